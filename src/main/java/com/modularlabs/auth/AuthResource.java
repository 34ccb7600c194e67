package com.modularlabs.auth;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.ProblemMappers;
import io.quarkus.qute.Location;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.FormParam;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.NewCookie;
import jakarta.ws.rs.core.Response;
import java.net.URI;
import java.util.List;
import java.util.Map;

/** Browser login/logout/registration (session cookie) and POST /auth/token for REST clients. */
@Path("/auth")
public class AuthResource {
    @Inject
    LoginService logins;
    @Inject
    Passwords passwords;
    @Inject
    UserStore store;
    @Inject
    IdentityCache cache;
    @Inject
    Sessions sessions;
    @Inject
    Invites invites;
    @Inject
    ProxyTrust proxies;
    @Inject
    AuthConfig config;
    @Inject
    SecurityIdentity identity;
    @Inject
    @Location("auth/login.html")
    Template loginPage;
    @Inject
    @Location("auth/register.html")
    Template registerPage;
    @Inject
    @Location("auth/invite.html")
    Template invitePage;
    @Context
    HttpServerRequest request;

    public record Credentials(String email, String password, String next) {
    }

    public record Registration(String email, String password, String password_confirm, String next) {
    }

    public record TokenResponse(String access_token, String token_type, long expires_in) {
    }

    public record PasswordChange(String current_password, String new_password) {
    }

    public record InviteAcceptance(String password, String password_confirm) {
    }

    /** Local paths only: "/x" yes; "//x", "/\x", "https://x", control characters and anything not starting with "/" no. */
    public static String safeNext(String next) {
        if (next == null || next.isEmpty() || next.length() > 2048 || next.charAt(0) != '/') {
            return "/";
        }
        if (next.startsWith("//") || next.indexOf('\\') >= 0) {
            return "/";
        }
        for (int i = 0; i < next.length(); i++) {
            char c = next.charAt(i);
            if (c < 0x21 || c == 0x7f) {
                return "/";
            }
        }
        return next;
    }

    String clientIp() {
        return proxies.clientAddress(request);
    }

    NewCookie sessionCookie(String value, int maxAge) {
        boolean secure = switch (config.cookieSecure().toLowerCase(java.util.Locale.ROOT)) {
            case "true" -> true;
            case "false" -> false;
            default -> proxies.https(request);
        };
        return new NewCookie.Builder(config.cookieName()).value(value).path("/").httpOnly(true).secure(secure)
                .sameSite(NewCookie.SameSite.LAX).maxAge(maxAge).build();
    }

    private Uni<NewCookie> sessionFor(LabsUser u) {
        return sessions.open(u, Sessions.SESSION, config.sessionLifetime())
                .map(t -> sessionCookie(t, (int) config.sessionLifetime().toSeconds()));
    }

    @GET
    @Path("/login")
    @Produces(MediaType.TEXT_HTML)
    public String loginForm(@QueryParam("next") String next) {
        return loginPage.data("next", safeNext(next)).data("error", null).data("email", "")
                .data("registration", config.registrationEnabled()).render();
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> loginFormPost(@FormParam("email") String email, @FormParam("password") String password, @FormParam("next") String next) {
        String target = safeNext(next);
        return logins.login(email, password, clientIp()).chain(this::sessionFor)
                .map(c -> Response.seeOther(URI.create(target)).cookie(c).build())
                .onFailure(Failure.class).recoverWithItem(t -> {
                    Failure p = (Failure) t;
                    Response.ResponseBuilder rb = Response.status(ProblemMappers.status(p)).type(MediaType.TEXT_HTML_TYPE)
                            .entity(loginPage.data("next", target).data("error", p.getMessage()).data("email", email == null ? "" : email)
                                    .data("registration", config.registrationEnabled()).render());
                    ProblemMappers.headers(p).forEach(rb::header);
                    return rb.build();
                });
    }

    @POST
    @Path("/login")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> loginJson(Credentials c) {
        Credentials body = c == null ? new Credentials(null, null, null) : c;
        String target = safeNext(body.next());
        return logins.login(body.email(), body.password(), clientIp())
                .chain(u -> sessionFor(u).map(k -> Response.ok(Map.of("email", u.email(), "roles", u.roles(), "next", target)).cookie(k).build()));
    }

    @POST
    @Path("/token")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<TokenResponse> token(Credentials c) {
        Credentials body = c == null ? new Credentials(null, null, null) : c;
        return logins.login(body.email(), body.password(), clientIp())
                .chain(u -> sessions.open(u, Sessions.API, config.tokenLifetime()))
                .map(t -> new TokenResponse(t, "Bearer", config.tokenLifetime().toSeconds()));
    }

    /** Ends this session (cookie) or token (bearer) on the server, on every replica, and clears the cookie. */
    @POST
    @Path("/logout")
    public Uni<Response> logout(@jakarta.ws.rs.HeaderParam("Accept") String accept) {
        Response.ResponseBuilder rb = accept != null && accept.contains("text/html")
                ? Response.seeOther(URI.create("/")) : Response.noContent();
        String sid = identity.isAnonymous() ? null : identity.getAttribute(LabsIdentityProvider.SESSION_ID);
        Uni<Void> end = sid == null ? Uni.createFrom().voidItem() : sessions.end(sid);
        return end.map(x -> rb.cookie(sessionCookie("", 0)).build());
    }

    /** Self-service password change: the current password is checked (and throttled) like a login; every session ends. */
    @POST
    @Path("/password")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> changePassword(PasswordChange p) {
        if (identity.isAnonymous()) {
            throw Failure.unauthenticated("Not logged in");
        }
        if (p == null) {
            throw Failure.malformed("A JSON body {current_password, new_password} is required");
        }
        Subjects.requirePassword(p.new_password(), "$.new_password");
        String userId = identity.getAttribute(LabsIdentityProvider.USER_ID);
        boolean cookie = "cookie".equals(identity.getAttribute(LabsIdentityProvider.SOURCE));
        return logins.login(identity.getPrincipal().getName(), p.current_password(), clientIp())
                .call(u -> passwords.hash(p.new_password()).chain(hash -> store.users().updateOne(
                        com.mongodb.client.model.Filters.eq("_id", UserStore.idValue(userId)), com.mongodb.client.model.Updates.set("password_hash", hash))))
                .call(u -> sessions.endAll(userId))
                .chain(u -> cookie ? sessionFor(u).map(c -> Response.noContent().cookie(c).build()) : Uni.createFrom().item(Response.noContent().build()));
    }

    @GET
    @Path("/invite/{token}")
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> inviteForm(@jakarta.ws.rs.PathParam("token") String token) {
        return invites.peek(token).map(email -> email == null
                ? Response.status(404).type(MediaType.TEXT_HTML_TYPE).entity(invitePage.data("email", null).data("error", Invites.GONE).render()).build()
                : Response.ok(invitePage.data("email", email).data("error", null).render(), MediaType.TEXT_HTML_TYPE).build());
    }

    @POST
    @Path("/invite/{token}")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> inviteFormPost(@jakarta.ws.rs.PathParam("token") String token, @FormParam("password") String password,
            @FormParam("password_confirm") String confirm) {
        return acceptInvite(token, new InviteAcceptance(password, confirm)).chain(this::sessionFor)
                .map(c -> Response.seeOther(URI.create("/")).cookie(c).build())
                .onFailure(Failure.class).recoverWithItem(t -> {
                    Failure p = (Failure) t;
                    String msg = p.getMessage() + (p.errors().isEmpty() ? "" : ": " + p.errors().get(0).message());
                    return Response.status(ProblemMappers.status(p)).type(MediaType.TEXT_HTML_TYPE)
                            .entity(invitePage.data("email", p.kind() == Failure.Kind.NOT_FOUND ? null : "").data("error", msg).render()).build();
                });
    }

    @POST
    @Path("/invite/{token}")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> inviteJson(@jakarta.ws.rs.PathParam("token") String token, InviteAcceptance a) {
        return acceptInvite(token, a == null ? new InviteAcceptance(null, null) : a)
                .chain(u -> sessionFor(u).map(c -> Response.ok(Map.of("email", u.email(), "email_verified", u.verified())).cookie(c).build()));
    }

    private Uni<LabsUser> acceptInvite(String token, InviteAcceptance a) {
        Subjects.requirePassword(a.password(), "$.password");
        if (!a.password().equals(a.password_confirm())) {
            throw Failure.invalid("Passwords do not match", List.of(new FieldError("$.password_confirm", "does not match password")));
        }
        return passwords.hash(a.password()).chain(hash -> invites.accept(token, hash));
    }

    @GET
    @Path("/me")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> me() {
        if (identity.isAnonymous()) {
            throw Failure.unauthenticated("Not logged in");
        }
        return Map.of("email", identity.getPrincipal().getName(), "roles", identity.getRoles(),
                "admin", identity.hasRole(Subjects.ADMIN_ROLE),
                "email_verified", !Boolean.FALSE.equals(identity.getAttribute(LabsIdentityProvider.VERIFIED)));
    }

    private void requireRegistration() {
        if (!config.registrationEnabled()) {
            throw Failure.notFound("No such resource: /auth/register");
        }
    }

    @GET
    @Path("/register")
    @Produces(MediaType.TEXT_HTML)
    public String registerForm(@QueryParam("next") String next) {
        requireRegistration();
        return registerPage.data("next", safeNext(next)).data("error", null).data("email", "").render();
    }

    @POST
    @Path("/register")
    @Consumes(MediaType.APPLICATION_FORM_URLENCODED)
    @Produces(MediaType.TEXT_HTML)
    public Uni<Response> registerFormPost(@FormParam("email") String email, @FormParam("password") String password,
            @FormParam("password_confirm") String confirm, @FormParam("next") String next) {
        requireRegistration();
        String target = safeNext(next);
        return register(new Registration(email, password, confirm, next))
                .chain(this::sessionFor).map(c -> Response.seeOther(URI.create(target)).cookie(c).build())
                .onFailure(Failure.class).recoverWithItem(t -> {
                    Failure p = (Failure) t;
                    String msg = p.getMessage() + (p.errors().isEmpty() ? "" : ": " + p.errors().get(0).message());
                    return Response.status(ProblemMappers.status(p)).type(MediaType.TEXT_HTML_TYPE)
                            .entity(registerPage.data("next", target).data("error", msg).data("email", email == null ? "" : email).render()).build();
                });
    }

    @POST
    @Path("/register")
    @Consumes(MediaType.APPLICATION_JSON)
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> registerJson(Registration r) {
        requireRegistration();
        return register(r == null ? new Registration(null, null, null, null) : r)
                .chain(u -> sessionFor(u).map(c -> Response.status(201)
                        .entity(Map.of("id", u.id(), "email", u.email(), "roles", u.roles(), "email_verified", u.verified())).cookie(c).build()));
    }

    /**
     * New users get no roles, ever: role grants come only from admins (never from the chosen address). The address is
     * unproven (email_verified=false), so auth_policy.allowed_users does not match it until an admin invite verifies it.
     */
    private Uni<LabsUser> register(Registration r) {
        String email = Subjects.requireEmail(r.email());
        Subjects.requirePassword(r.password(), "$.password");
        if (!r.password().equals(r.password_confirm())) {
            throw Failure.invalid("Passwords do not match", List.of(new FieldError("$.password_confirm", "does not match password")));
        }
        return passwords.hash(r.password())
                .chain(hash -> store.insertIfAbsent(email, hash, List.of(), false, false))
                // stale g.nome casbin grants for a (deleted) account of that address must not pass to a self-registered one
                .call(created -> created ? store.dropCasbinGrants(email) : Uni.createFrom().voidItem())
                .chain(created -> {
                    if (!created) {
                        return Uni.createFrom().failure(Failure.conflict("This e-mail address cannot be registered."));
                    }
                    return cache.changed(UserStore.USERS, email).chain(() -> store.findForLogin(email)).chain(store::withCasbin);
                });
    }
}
