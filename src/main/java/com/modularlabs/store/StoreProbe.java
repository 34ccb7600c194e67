package com.modularlabs.store;

import io.quarkus.mongodb.reactive.ReactiveMongoClient;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.function.Supplier;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Startup steps that need the database: one quick ping decides whether they wait for it (it answers) or run in the
 * background (it does not), so the HTTP listener never waits for an absent database. Retries log one line each.
 */
@ApplicationScoped
public class StoreProbe {
    private static final Logger LOG = Logger.getLogger(StoreProbe.class);
    static final Duration PROBE = Duration.ofSeconds(2);
    static final Duration FIRST_RETRY = Duration.ofSeconds(1);
    static final Duration MAX_RETRY = Duration.ofSeconds(15);

    @Inject
    ReactiveMongoClient client;

    private Boolean reachable;
    /**
     * Set by a JVM shutdown hook, which runs as soon as SIGTERM arrives (alongside Quarkus' own), so it is set before
     * the MongoDB client is closed under a background startup step (a ShutdownEvent observer would come too late).
     */
    private static volatile boolean stopping;

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopping = true, "labs-stopping"));
    }

    /** Whether the service is shutting down (background startup steps then stop retrying and stay quiet). */
    public boolean stopping() {
        return stopping;
    }

    /** Whether the database answered a ping within 2 s, asked once per process (at the first startup step). */
    public synchronized boolean reachableAtStartup() {
        if (reachable == null) {
            try {
                client.getDatabase("admin").runCommand(new Document("ping", 1)).await().atMost(PROBE);
                reachable = true;
            } catch (RuntimeException e) {
                reachable = false;
                LOG.warnf("MongoDB does not answer at startup (%s); the HTTP listener starts now, readiness stays DOWN and "
                        + "the registry loads when the database appears", StoreOutage.brief(e));
            }
        }
        return reachable;
    }

    /** {@code step}, retried with backoff (1 s doubling to 15 s) forever, one WARN line per failed attempt. */
    public <T> Uni<T> retrying(String what, Supplier<Uni<? extends T>> step) {
        // stops retrying at shutdown: the attempt in flight then fails to its subscriber instead of being dropped with a trace
        return Uni.createFrom().<T>deferred(step)
                .onFailure(e -> !stopping).invoke(e -> LOG.warnf("%s failed (%s); retrying with backoff", what, StoreOutage.brief(e)))
                .onFailure(e -> !stopping).retry().withBackOff(FIRST_RETRY, MAX_RETRY).indefinitely();
    }
}
