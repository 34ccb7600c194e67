package com.modularlabs.observability;

import com.modularlabs.store.StoreOutage;
import io.quarkus.mongodb.reactive.ReactiveMongoClient;
import io.smallrye.health.api.AsyncHealthCheck;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import org.bson.Document;
import org.eclipse.microprofile.health.HealthCheckResponse;
import org.eclipse.microprofile.health.Readiness;

/** Ready = MongoDB answers a ping within 2 s. Goes DOWN while the database is unreachable and UP when it returns. */
@Readiness
@ApplicationScoped
public class MongoReadiness implements AsyncHealthCheck {
    @Inject
    ReactiveMongoClient client;
    @Inject
    StoreOutage outage;

    @Override
    public Uni<HealthCheckResponse> call() {
        return client.getDatabase("admin").runCommand(new Document("ping", 1))
                .ifNoItem().after(Duration.ofSeconds(2)).fail()
                .map(ok -> {
                    outage.answered();
                    return HealthCheckResponse.up("mongodb");
                })
                .onFailure().recoverWithItem(e -> {
                    outage.failed(e);
                    return HealthCheckResponse.named("mongodb").down().withData("error", e.getClass().getSimpleName()).build();
                });
    }
}
