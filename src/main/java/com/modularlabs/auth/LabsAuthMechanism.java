package com.modularlabs.auth;

import com.modularlabs.common.Failure;
import com.modularlabs.common.Problem;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * The one authentication mechanism: "Authorization: Bearer <token>" (REST clients) or the session cookie
 * (browsers). A bad bearer token is a 401; a bad or stale cookie is treated as anonymous (the login page follows).
 * Challenges: browsers (GET/HEAD accepting text/html) are redirected to /auth/login?next=<path>, others get a
 * 401 problem+json with WWW-Authenticate: Bearer.
 */
@ApplicationScoped
public class LabsAuthMechanism implements HttpAuthenticationMechanism {
    @Inject
    AuthConfig config;

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext rc, IdentityProviderManager ipm) {
        String bearer = bearer(rc);
        if (bearer != null) {
            return ipm.authenticate(new LabsTokenRequest(bearer, "bearer")).invoke(id -> confineFunctionToken(id, rc));
        }
        Cookie c = rc.request().getCookie(config.cookieName());
        if (c == null || c.getValue().isEmpty()) {
            return Uni.createFrom().optional(java.util.Optional.empty());
        }
        return ipm.authenticate(new LabsTokenRequest(c.getValue(), "cookie", experimentScope(rc.request().path()))).invoke(id -> confineFunctionToken(id, rc))
                .onFailure(AuthenticationFailedException.class).recoverWithNull();
    }

    /**
     * A function's data token is good only on its own experiment's data API (its documents, named queries and
     * functions), never on another experiment's, on _shared reads, on admin or auth routes.
     */
    static void confineFunctionToken(io.quarkus.security.identity.SecurityIdentity id, RoutingContext rc) {
        String scope = id == null ? null : id.getAttribute(LabsIdentityProvider.FUNCTION_SCOPE);
        if (scope == null) {
            return;
        }
        String base = "/experiments/" + scope + "/api/";
        String path = rc.normalizedPath();
        if (!path.startsWith(base) || path.startsWith(base + "_shared/")) {
            throw new AuthenticationFailedException("function data token used outside its experiment's data API");
        }
    }

    /**
     * Routes an experiment's own front-end script can reach with the visitor's cookie besides /admin (which
     * AdminOriginGuard protects). A cookie session does not carry the admin role there, so a hostile bundle's script
     * cannot use a visiting admin's powers on other experiments' data; admins manage data through the panel or a token.
     */
    static boolean experimentScope(String path) {
        return path != null && (path.startsWith("/experiments/") || path.startsWith("/api/"));
    }

    static String bearer(RoutingContext rc) {
        String h = rc.request().getHeader(HttpHeaders.AUTHORIZATION);
        if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return h.substring(7).trim();
        }
        return null;
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext rc) {
        return Uni.createFrom().item(new ChallengeData(401, "WWW-Authenticate", "Bearer"));
    }

    @Override
    public Uni<Boolean> sendChallenge(RoutingContext rc) {
        var res = rc.response();
        if (res.headWritten()) {
            return Uni.createFrom().item(true);
        }
        String accept = rc.request().getHeader(HttpHeaders.ACCEPT);
        HttpMethod m = rc.request().method();
        if ((m == HttpMethod.GET || m == HttpMethod.HEAD) && accept != null && accept.contains("text/html") && bearer(rc) == null) {
            String next = rc.request().path() + (rc.request().query() == null ? "" : "?" + rc.request().query());
            res.setStatusCode(302).putHeader(HttpHeaders.LOCATION, "/auth/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8));
            return Uni.createFrom().item(true);
        }
        res.putHeader("WWW-Authenticate", "Bearer");
        return Uni.createFrom().completionStage(Problem.send(rc, Failure.unauthenticated("Log in or send a valid bearer token."))
                .toCompletionStage()).replaceWith(true);
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of(LabsTokenRequest.class);
    }

    @Override
    public int getPriority() {
        return 2000;
    }
}
