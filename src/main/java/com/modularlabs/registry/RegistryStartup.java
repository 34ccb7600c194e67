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

    void onStart(@Observes @Priority(100) StartupEvent ev) {
        Uni<?> startup = coreIndexes.ensure()
                .chain(() -> seeds.seedFromFolder())
                .chain(() -> registry.reload())
                .onFailure().invoke(e -> LOG.warnf("Startup registry load failed (%s); retrying", e.getMessage()))
                .onFailure().retry().withBackOff(Duration.ofSeconds(1), Duration.ofSeconds(15)).indefinitely();
        try {
            startup.await().atMost(config.startupTimeout());
        } catch (RuntimeException timeout) {
            LOG.warnf("Registry not loaded after %s; continuing in the background", config.startupTimeout());
            startup.subscribe().with(x -> { }, e -> LOG.error("Registry load gave up", e));
        }
    }

    /** Runs several independent startup steps at once. */
    static Uni<Void> all(List<Uni<Void>> steps) {
        return steps.isEmpty() ? Uni.createFrom().voidItem() : Uni.join().all(new ArrayList<>(steps)).andFailFast().replaceWithVoid();
    }
}
