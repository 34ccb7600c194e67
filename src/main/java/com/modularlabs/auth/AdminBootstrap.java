package com.modularlabs.auth;

import com.modularlabs.store.StoreProbe;
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
    @Inject
    StoreProbe probe;

    void onStart(@Observes @Priority(200) StartupEvent ev) {
        List<String> problems = ProdGuard.problems(config.tokenSecret(), config.adminPassword());
        if (!problems.isEmpty()) {
            if (ConfigUtils.getProfiles().contains("prod")) {
                throw new IllegalStateException("Refusing to start in the prod profile: " + String.join("; ", problems));
            }
            problems.forEach(p -> LOG.warn("Security: " + p + " (refused in the prod profile)"));
        }
        Uni<Void> boot = probe.retrying("Auth bootstrap", this::bootstrap);
        if (!probe.reachableAtStartup()) {
            boot.subscribe().with(x -> { }, e -> {
                if (!probe.stopping()) {
                    LOG.errorf("Auth bootstrap gave up: %s", e.getMessage());
                }
            });
            return;
        }
        try {
            boot.await().atMost(Duration.ofSeconds(30));
        } catch (RuntimeException timeout) {
            LOG.warn("Auth bootstrap not finished after 30 s; continuing in the background");
            boot.subscribe().with(x -> { }, e -> LOG.error("Auth bootstrap gave up", e));
        }
    }

    /**
     * The admin's lookup and, on a first start, its bcrypt (0.3 CPU-s, the longest step before ready) read nothing
     * the indexes or the token secret make, so they run beside both; only the writes wait for the unique e-mail index.
     */
    Uni<Void> bootstrap() {
        Uni<AdminPlan> plan = planAdmin().memoize().indefinitely();
        return Uni.join().all(store.ensureIndexes().onFailure().recoverWithNull(), tokens.init(), plan.replaceWithVoid())
                .andFailFast().chain(() -> plan).chain(this::applyAdmin);
    }

    /** What to write, and its hash: a restart with the admin present looks up one document and hashes nothing. */
    private record AdminPlan(Kind kind, String email, String hash, String generated) {
        enum Kind { NOTHING, RESET, CREATE_GIVEN, CREATE_GENERATED }
    }

    Uni<AdminPlan> planAdmin() {
        String email = Subjects.normalizeEmail(config.adminEmail());
        if (email == null) {
            return Uni.createFrom().failure(new IllegalStateException("ADMIN_EMAIL is not a valid e-mail address"));
        }
        String given = config.adminPassword().filter(p -> !p.isEmpty()).orElse(null);
        if (given != null && config.adminPasswordReset()) {
            return passwords.hash(given).map(hash -> new AdminPlan(AdminPlan.Kind.RESET, email, hash, null));
        }
        if (given != null) {
            // bcrypt only when the account is missing: a restart must not spend a hash on the startup path
            return store.findForLogin(email).chain(found -> found != null
                    ? alreadyThere(email).map(x -> new AdminPlan(AdminPlan.Kind.NOTHING, email, null, null))
                    : passwords.hash(given).map(hash -> new AdminPlan(AdminPlan.Kind.CREATE_GIVEN, email, hash, null)));
        }
        if (config.adminPasswordReset()) {
            LOG.warn("ADMIN_PASSWORD_RESET=true but ADMIN_PASSWORD is empty: nothing reset");
        }
        return store.anyAdmin().chain(exists -> {
            if (exists) {
                return Uni.createFrom().item(new AdminPlan(AdminPlan.Kind.NOTHING, email, null, null));
            }
            String generated = Passwords.randomSecret(18);
            return passwords.hash(generated).map(hash -> new AdminPlan(AdminPlan.Kind.CREATE_GENERATED, email, hash, generated));
        });
    }

    Uni<Void> applyAdmin(AdminPlan plan) {
        String email = plan.email();
        Uni<Void> write = switch (plan.kind()) {
            case NOTHING -> Uni.createFrom().voidItem();
            case RESET -> store.resetAdmin(email, plan.hash())
                    .invoke(() -> LOG.warnf("Admin password of %s set from ADMIN_PASSWORD (ADMIN_PASSWORD_RESET=true); "
                            + "remove ADMIN_PASSWORD_RESET now so later restarts do not reset it again", email))
                    .chain(() -> cache.changed(UserStore.USERS, email));
            case CREATE_GIVEN -> store.insertIfAbsent(email, plan.hash(), List.of(Subjects.ADMIN_ROLE), true).chain(created -> {
                if (created) {
                    LOG.infof("Created admin %s (password from ADMIN_PASSWORD)", email);
                    return cache.changed(UserStore.USERS, email);
                }
                return alreadyThere(email);
            });
            case CREATE_GENERATED -> store.insertIfAbsent(email, plan.hash(), List.of(Subjects.ADMIN_ROLE), true).chain(created -> {
                if (created) {
                    LOG.warnf("Created admin %s with a generated password (shown once, only its hash is stored): %s", email, plan.generated());
                    return cache.changed(UserStore.USERS, email);
                }
                return Uni.createFrom().voidItem();
            });
        };
        return write.chain(this::reportAdmins);
    }

    /** Every start says which admin accounts exist and how to recover a lost password (README "Failure behaviour"). */
    Uni<Void> reportAdmins() {
        return store.adminEmails(10).invoke(admins -> LOG.infof("Admin accounts: %s. Lost the password? Restart once with "
                + "ADMIN_PASSWORD_RESET=true ADMIN_PASSWORD='<new password>' (ADMIN_EMAIL selects the account)",
                admins.isEmpty() ? "none" : String.join(", ", admins))).replaceWithVoid();
    }

    private static Uni<Void> alreadyThere(String email) {
        LOG.infof("ADMIN_PASSWORD is set but %s already exists: its password is unchanged "
                + "(set ADMIN_PASSWORD_RESET=true as well to apply it)", email);
        return Uni.createFrom().voidItem();
    }
}
