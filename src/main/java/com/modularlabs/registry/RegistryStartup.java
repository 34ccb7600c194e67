package com.modularlabs.registry;

import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.jboss.logging.Logger;

/**
 * Startup: core indexes, seeding from the folder, then the first registry load. Waits up to
 * labs.registry.startup-timeout; if the database is slow or down it keeps trying in the background and
 * /q/health/started stays DOWN until the registry is loaded.
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

    private java.util.concurrent.CompletableFuture<?> running;

    /** Starts the registry load early; the auth bootstrap (priority 200) runs meanwhile, {@link #awaitLoaded} waits. */
    void onStart(@Observes @Priority(100) StartupEvent ev) {
        Uni<?> startup = coreIndexes.ensure()
                .chain(() -> seeds.seedFromFolder())
                .chain(() -> registry.reload())
                .onFailure().invoke(e -> LOG.warnf("Startup registry load failed (%s); retrying", e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(15)).indefinitely();
        running = startup.subscribeAsCompletionStage();
    }

    void awaitLoaded(@Observes @Priority(300) StartupEvent ev) {
        try {
            running.get(config.startupTimeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.TimeoutException timeout) {
            LOG.warnf("Registry not loaded after %s; continuing in the background", config.startupTimeout());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (java.util.concurrent.ExecutionException e) {
            LOG.error("Registry load gave up", e.getCause());
        }
    }

    /** Runs several independent startup steps at once. */
    static Uni<Void> all(List<Uni<Void>> steps) {
        return steps.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(new ArrayList<>(steps)).andFailFast().replaceWithVoid();
    }
}
