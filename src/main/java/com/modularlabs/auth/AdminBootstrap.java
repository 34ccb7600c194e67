package com.modularlabs.auth;

import com.modularlabs.store.StoreProbe;
import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import io.smallrye.mutiny.Uni;
import io.smallrye.mutiny.subscription.Cancellable;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jboss.logging.Logger;

/**
 * Startup, after the registry (priority 100): refuse weak secrets in prod, load or create the token secret, and
 * create the first admin (after the other startup observers, see {@link #createAfterStart}). Idempotent with several replicas: the unique e-mail index decides, a duplicate key
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

    /** This start's admin creation, planned before ready and run after the other startup observers. */
    private volatile AdminPlan deferred;
    private volatile Cancellable creation;
    private final CompletableFuture<Void> adminSettled = new CompletableFuture<>();

    void onStart(@Observes @Priority(200) StartupEvent ev) {
        List<String> problems = ProdGuard.problems(config.tokenSecret(), config.adminPassword());
        if (!problems.isEmpty()) {
            if (ConfigUtils.getProfiles().contains("prod")) {
                throw new IllegalStateException("Refusing to start in the prod profile: " + String.join("; ", problems));
            }
            problems.forEach(p -> LOG.warn("Security: " + p + " (refused in the prod profile)"));
        }
        if (!probe.reachableAtStartup()) {
            settleAfter("Auth bootstrap", probe.retrying("Auth bootstrap", () -> bootstrap().chain(this::create)));
            return;
        }
        Uni<AdminPlan> boot = probe.retrying("Auth bootstrap", this::bootstrap).memoize().indefinitely();
        try {
            deferred = boot.await().atMost(Duration.ofSeconds(30));
        } catch (RuntimeException timeout) {
            LOG.warn("Auth bootstrap not finished after 30 s; continuing in the background");
            settleAfter("Auth bootstrap", boot.chain(this::create));
        }
    }

    /**
     * A first start's admin creation (its bcrypt: 0.3 CPU-s, the longest single step of a first start) begins after
     * the other startup observers (registry load and seeding included), so it takes no CPU from them on a small pod;
     * readiness does not wait for it. A password login for this e-mail waits for it instead ({@link #settled}), so
     * "ready" still means the admin can log in. Only a creation is deferred: no account, hence no session or token,
     * exists for that e-mail yet. A reset (ADMIN_PASSWORD_RESET) stays before ready, so old sessions see it at once.
     */
    void createAfterStart(@Observes @Priority(10_000) StartupEvent ev) {
        AdminPlan plan = deferred;
        deferred = null;
        if (plan == null) {
            return; // still in the background (database absent or slow at startup): that path creates the admin itself
        }
        creation = settleAfter("Admin creation", probe.retrying("Admin creation", () -> create(plan)));
    }

    /** Runs {@code work} in the background; however it ends, logins for the admin stop waiting ({@link #settled}). */
    private Cancellable settleAfter(String what, Uni<Void> work) {
        return work.onTermination().invoke(() -> adminSettled.complete(null)).subscribe().with(x -> { }, e -> {
            if (!probe.stopping()) {
                LOG.errorf("%s gave up: %s", what, e.getMessage());
            }
        });
    }

    /** A start that fails after the observers (e.g. its HTTP port is taken) stops the creation, quietly: nothing was printed. */
    void onStop(@Observes @Priority(1) io.quarkus.runtime.ShutdownEvent ev) { // before the embedded store stops
        var c = creation;
        if (c != null) {
            c.cancel();
        }
        adminSettled.complete(null);
    }

    /**
     * Completes once this start's admin creation is over (at once when there is none, or for another e-mail), or
     * after {@code atMost}: a password login for the bootstrapping admin waits here, so a login right at readiness
     * finds the account.
     */
    Uni<Void> settled(String email, Duration atMost) {
        if (adminSettled.isDone() || email == null || !email.equals(Subjects.normalizeEmail(config.adminEmail()))) {
            return Uni.createFrom().voidItem();
        }
        return Uni.createFrom().completionStage(adminSettled).ifNoItem().after(atMost).recoverWithItem((Void) null).replaceWithVoid();
    }

    /**
     * Indexes, the token secret and the admin's lookup (and, for a reset, its bcrypt: none of these read what the
     * indexes or the secret make, so they run beside both; only the writes wait for the unique e-mail index).
     * Returns the creation still to do (null when none), which {@link #create} runs.
     */
    Uni<AdminPlan> bootstrap() {
        Uni<AdminPlan> plan = planAdmin().memoize().indefinitely();
        return Uni.join().all(store.ensureIndexes().onFailure().recoverWithNull(), tokens.init(), plan.replaceWithVoid())
                .andFailFast().chain(() -> plan).chain(p -> {
                    if (p.kind().creates()) {
                        return Uni.createFrom().item(p);
                    }
                    return applyAdmin(p).invoke(() -> adminSettled.complete(null)).replaceWith((AdminPlan) null);
                });
    }

    /** The deferred creation: the bcrypt, then the insert (the unique e-mail index decides between replicas). */
    Uni<Void> create(AdminPlan plan) {
        if (plan == null) {
            return Uni.createFrom().voidItem();
        }
        String password = plan.kind() == AdminPlan.Kind.CREATE_GIVEN ? config.adminPassword().orElseThrow() : plan.generated();
        return passwords.hash(password).chain(hash -> applyAdmin(new AdminPlan(plan.kind(), plan.email(), hash, plan.generated())));
    }

    /**
     * What to write, and its hash (a creation's is made later, by {@link #create}): a restart with the admin present
     * looks up one document and hashes nothing.
     */
    private record AdminPlan(Kind kind, String email, String hash, String generated) {
        enum Kind {
            NOTHING, RESET, CREATE_GIVEN, CREATE_GENERATED;

            boolean creates() {
                return this == CREATE_GIVEN || this == CREATE_GENERATED;
            }
        }
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
                    : Uni.createFrom().item(new AdminPlan(AdminPlan.Kind.CREATE_GIVEN, email, null, null)));
        }
        if (config.adminPasswordReset()) {
            LOG.warn("ADMIN_PASSWORD_RESET=true but ADMIN_PASSWORD is empty: nothing reset");
        }
        return store.anyAdmin().chain(exists -> {
            if (exists) {
                return Uni.createFrom().item(new AdminPlan(AdminPlan.Kind.NOTHING, email, null, null));
            }
            return Uni.createFrom().item(new AdminPlan(AdminPlan.Kind.CREATE_GENERATED, email, null, Passwords.randomSecret(18)));
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
