package com.modularlabs.data;

import io.quarkus.security.identity.IdentityProviderManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.identity.request.AuthenticationRequest;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.vertx.http.runtime.security.ChallengeData;
import io.quarkus.vertx.http.runtime.security.HttpAuthenticationMechanism;
import io.smallrye.mutiny.Uni;
import io.vertx.ext.web.RoutingContext;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.Set;

/**
 * TEST ONLY: authenticates "X-Test-User: email[;role1,role2]" so one test can act as several users before the
 * real auth lands. Requests without the header are untouched (anonymous, or whatever other mechanism decides).
 */
@ApplicationScoped
public class TestHeaderAuth implements HttpAuthenticationMechanism {
    public static final String HEADER = "X-Test-User";

    @Override
    public Uni<SecurityIdentity> authenticate(RoutingContext ctx, IdentityProviderManager ipm) {
        String h = ctx.request().getHeader(HEADER);
        if (h == null || h.isBlank()) {
            return Uni.createFrom().nullItem();
        }
        String[] parts = h.split(";", 2);
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(parts[0].trim()));
        if (parts.length > 1) {
            for (String r : parts[1].split(",")) {
                if (!r.isBlank()) {
                    b.addRole(r.trim());
                }
            }
        }
        return Uni.createFrom().item(b.build());
    }

    @Override
    public Uni<ChallengeData> getChallenge(RoutingContext ctx) {
        return Uni.createFrom().nullItem();
    }

    @Override
    public Set<Class<? extends AuthenticationRequest>> getCredentialTypes() {
        return Set.of();
    }
}
