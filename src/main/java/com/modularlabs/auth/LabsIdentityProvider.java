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
 * record through {@link IdentityCache}: a deleted or disabled user, or a revoked role, takes effect on the next request.
 */
@ApplicationScoped
public class LabsIdentityProvider implements IdentityProvider<LabsTokenRequest> {
    public static final String USER_ID = "labs.user_id";
    public static final String SOURCE = "labs.auth_source";

    @Inject
    TokenService tokens;
    @Inject
    IdentityCache users;

    @Override
    public Class<LabsTokenRequest> getRequestType() {
        return LabsTokenRequest.class;
    }

    @Override
    public Uni<SecurityIdentity> authenticate(LabsTokenRequest request, AuthenticationRequestContext context) {
        JsonWebToken jwt = tokens.verify(request.token());
        if (jwt == null || jwt.getSubject() == null) {
            return Uni.createFrom().failure(new AuthenticationFailedException("invalid token"));
        }
        return users.get(jwt.getSubject()).map(found -> {
            LabsUser u = found.filter(x -> !x.disabled()).orElseThrow(() -> new AuthenticationFailedException("unknown or disabled user"));
            return (SecurityIdentity) QuarkusSecurityIdentity.builder()
                    .setPrincipal(new QuarkusPrincipal(u.email()))
                    .addRoles(u.roles())
                    .addAttribute(USER_ID, u.id())
                    .addAttribute(SOURCE, request.source())
                    .build();
        });
    }
}
