package com.modularlabs.auth;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Startup, after the registry (priority 100): refuse weak secrets in prod, load or create the token secret, and
 * create the first admin. Idempotent with several replicas: the unique e-mail index decides, a duplicate key
 * means "already there". With ADMIN_PASSWORD unset and no admin at all, a random password is generated, printed
 * once (by the replica that created the account) and only its hash stored.
 */
@ApplicationScoped
public class AdminBootstrap {
    private static final Logger LOG = Logger.getLogger(AdminBootstrap.class);

    @Inject
    AuthConfig config;
    @Inject
    UserStore store;
    @Inject
    TokenService tokens;
    @Inject
    Passwords passwords;
    @Inject
    IdentityCache cache;

    void onStart(@Observes @Priority(200) StartupEvent ev) {
        List<String> problems = ProdGuard.problems(config.tokenSecret(), config.adminPassword());
        if (!problems.isEmpty()) {
            if (ConfigUtils.getProfiles().contains("prod")) {
                throw new IllegalStateException("Refusing to start in the prod profile: " + String.join("; ", problems));
            }
            problems.forEach(p -> LOG.warn("Security: " + p + " (refused in the prod profile)"));
        }
        Uni<Void> boot = store.ensureIndexes().onFailure().recoverWithNull()
                .chain(tokens::init)
                .chain(this::ensureAdmin)
                .onFailure().invoke(e -> LOG.warnf("Auth bootstrap failed (%s); retrying", e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(15)).indefinitely();
        try {
            boot.await().atMost(Duration.ofSeconds(30));
        } catch (RuntimeException timeout) {
            LOG.warn("Auth bootstrap not finished after 30 s; continuing in the background");
            boot.subscribe().with(x -> { }, e -> LOG.error("Auth bootstrap gave up", e));
        }
    }

    Uni<Void> ensureAdmin() {
        String email = Subjects.normalizeEmail(config.adminEmail());
        if (email == null) {
            return Uni.createFrom().failure(new IllegalStateException("ADMIN_EMAIL is not a valid e-mail address"));
        }
        String given = config.adminPassword().filter(p -> !p.isEmpty()).orElse(null);
        if (given != null) {
            // bcrypt only when the account is missing: a restart must not spend a hash on the startup path
            return store.findForLogin(email).chain(found -> found != null ? Uni.createFrom().voidItem() : passwords.hash(given)
                    .chain(hash -> store.insertIfAbsent(email, hash, List.of(ExperimentAccess.ADMIN_ROLE), true))
                    .chain(created -> {
                        if (created) {
                            LOG.infof("Created admin %s (password from ADMIN_PASSWORD)", email);
                            return cache.changed(UserStore.USERS, email);
                        }
                        return Uni.createFrom().voidItem();
                    }));
        }
        return store.anyAdmin().chain(exists -> {
            if (exists) {
                return Uni.createFrom().voidItem();
            }
            String generated = Passwords.randomSecret(18);
            return passwords.hash(generated)
                    .chain(hash -> store.insertIfAbsent(email, hash, List.of(ExperimentAccess.ADMIN_ROLE), true))
                    .chain(created -> {
                        if (created) {
                            LOG.warnf("Created admin %s with a generated password (shown once, only its hash is stored): %s", email, generated);
                            return cache.changed(UserStore.USERS, email);
                        }
                        return Uni.createFrom().voidItem();
                    });
        });
    }
}
