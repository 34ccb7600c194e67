package com.modularlabs.auth;

import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.identity.AuthenticationRequestContext;
import io.quarkus.security.identity.IdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.jwt.JsonWebToken;

/**
 * Verifies the token (HMAC: cheap, fine on the event loop), then re-checks the subject against the current user
 * record and its server-side session through {@link IdentityCache}: a deleted or disabled user, an ended session or a
 * revoked role takes effect on the next request. Cookies must carry a "session" token, bearer headers an "api" one.
 */
@ApplicationScoped
public class LabsIdentityProvider implements IdentityProvider<LabsTokenRequest> {
    public static final String USER_ID = "labs.user_id";
    public static final String SOURCE = "labs.auth_source";
    public static final String SESSION_ID = "labs.session_id";
    public static final String VERIFIED = "labs.email_verified";
    /** Set on identities of function data tokens: the experiment slug they are confined to. */
    public static final String FUNCTION_SCOPE = "labs.function_scope";

    @Inject
    TokenService tokens;
    @Inject
    IdentityCache users;

    @Override
    public Class<LabsTokenRequest> getRequestType() {
        return LabsTokenRequest.class;
    }

    private static java.util.Set<String> without(java.util.Set<String> roles, String role) {
        java.util.Set<String> s = new java.util.HashSet<>(roles);
        s.remove(role);
        return s;
    }

    static String claim(JsonWebToken jwt, String name) {
        Object v = jwt.getClaim(name);
        return v == null ? null : v instanceof jakarta.json.JsonString js ? js.getString() : v.toString();
    }

    @Override
    public Uni<SecurityIdentity> authenticate(LabsTokenRequest request, AuthenticationRequestContext context) {
        JsonWebToken jwt = tokens.verify(request.token());
        if (jwt == null || jwt.getSubject() == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException("invalid token"));
        }
        String scope = TokenService.FUNCTION_USE.equals(jwt.getClaim("use")) ? jwt.getClaim(TokenService.FUNCTION_EXPERIMENT) : null;
        if (scope != null) {
            return functionIdentity(jwt, scope, request);
        }
        // a session cookie is no API token and vice versa; a token without a live server-side session is dead
        String use = "cookie".equals(request.source()) ? Sessions.SESSION : Sessions.API;
        String s = claim(jwt, "sid");
        if (!use.equals(claim(jwt, "use")) || s == null || s.isEmpty()) {
            return Uni.createFrom().failure(new AuthenticationFailedException("wrong kind of token"));
        }
        return users.get(jwt.getSubject(), s, use).map(found -> {
            LabsUser u = found.filter(x -> !x.disabled()).orElseThrow(() -> new AuthenticationFailedException("unknown or disabled user"));
            return (SecurityIdentity) QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(u.email()))
                    .addRoles(request.withoutAdmin() ? without(u.roles(), Subjects.ADMIN_ROLE) : u.roles())
                    .addAttribute(USER_ID, u.id())
                    .addAttribute(SOURCE, request.source())
                    .addAttribute(SESSION_ID, s)
                    .addAttribute(VERIFIED, u.verified())
                    .build();
        });
    }

    /**
     * A function's data token: the calling user (re-checked like any token) minus the admin role, or for an anonymous
     * caller a principal "function:&lt;slug&gt;" without roles; marked with {@link #FUNCTION_SCOPE}, which is what the
     * {@code service} access level accepts and what LabsAuthMechanism confines to that experiment's data API.
     */
    private Uni<SecurityIdentity> functionIdentity(JsonWebToken jwt, String scope, LabsTokenRequest request) {
        if (Boolean.TRUE.equals(jwt.getClaim("anon"))) {
            return Uni.createFrom().item(QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal("function:" + scope))
                    .addAttribute(FUNCTION_SCOPE, scope).addAttribute(SOURCE, request.source()).build());
        }
        return users.get(jwt.getSubject()).map(found -> {
            LabsUser u = found.filter(x -> !x.disabled()).orElseThrow(() -> new AuthenticationFailedException("unknown or disabled user"));
            var b = QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(u.email()))
                    .addAttribute(USER_ID, u.id()).addAttribute(FUNCTION_SCOPE, scope).addAttribute(SOURCE, request.source());
            u.roles().stream().filter(r -> !r.equals(Subjects.ADMIN_ROLE)).forEach(b::addRole);
            return (SecurityIdentity) b.build();
        });
    }
}
