package com.modularlabs.registry;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import org.eclipse.microprofile.health.HealthCheck;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Startup;

/** Started and ready = the experiment registry has been loaded at least once (pages answer 503 until then). */
@Startup
@org.eclipse.microprofile.health.Readiness
@ApplicationScoped
public class RegistryStartedCheck implements HealthCheck {
    @Inject
    ExperimentRegistry registry;

    @Override
    public HealthCheckResponse call() {
        return HealthCheckResponse.named("registry").status(registry.isLoaded())
                .withData("experiments", registry.snapshot().experiments().size()).build();
    }
}
