package com.modularlabs.registry;

import com.modularlabs.store.StoreProbe;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Startup: core indexes, seeding from the folder, then the first registry load. When the database answers at once
 * this waits (up to labs.registry.startup-timeout) so the first request sees the registry; when it does not, the
 * HTTP listener and liveness come up at once, readiness stays DOWN, pages answer 503 "starting"
 * ({@link StartingFilter}) and the load is retried in the background with backoff, one log line per retry.
 */
@ApplicationScoped
public class RegistryStartup {
    private static final Logger LOG = Logger.getLogger(RegistryStartup.class);

    @Inject
    CoreIndexes coreIndexes;
    @Inject
    SeedService seeds;
    @Inject
    ExperimentRegistry registry;
    @Inject
    RegistryConfig config;
    @Inject
    StoreProbe probe;

    private volatile java.util.concurrent.CompletableFuture<?> running;

    /** Starts the registry load early; the auth bootstrap (priority 200) runs meanwhile, {@link #awaitLoaded} waits. */
    void onStart(@Observes @Priority(100) StartupEvent ev) {
        Uni<?> startup = probe.retrying("Registry load", () -> coreIndexes.ensure()
                .chain(() -> seeds.seedFromFolder())
                .chain(() -> registry.reload()));
        if (!probe.reachableAtStartup()) {
            inBackground(startup);
            return;
        }
        running = startup.subscribeAsCompletionStage();
        running.whenComplete((x, e) -> {
            if (e != null && !(e instanceof java.util.concurrent.CancellationException) && !probe.stopping()) {
                LOG.errorf("Registry load gave up: %s", e.getMessage());
            }
        });
    }

    void awaitLoaded(@Observes @Priority(300) StartupEvent ev) {
        var r = running;
        if (r == null) {
            return;
        }
        try {
            r.get(config.startupTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException timeout) {
            LOG.warnf("Registry not loaded after %s; continuing in the background", config.startupTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            // logged once by the whenComplete above
        }
    }

    void onStop(@Observes io.quarkus.runtime.ShutdownEvent ev) {
        var r = running;
        if (r != null) {
            r.cancel(true);
        }
    }

    private void inBackground(Uni<?> startup) {
        startup.subscribe().with(x -> { }, e -> {
            if (!probe.stopping()) {
                LOG.errorf("Registry load gave up: %s", e.getMessage());
            }
        });
    }

    /** Runs several independent startup steps at once (all failures collected: none dropped with a trace). */
    static Uni<Void> all(List<Uni<Void>> steps) {
        return steps.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(new ArrayList<>(steps)).andCollectFailures().replaceWithVoid();
    }
}
