package com.modularlabs.store;

import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableContext;
import io.quarkus.runtime.StartupEvent;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.context.spi.Contextual;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.spi.Bean;
import org.jboss.logging.Logger;

/**
 * One MongoDB client per process (issue 10). The engine uses only the reactive client (bundle, export and GridFS code
 * too), but the Panache extension keeps Quarkus' default clients, and Quarkus makes its synchronous client a startup
 * bean: it is created by a startup observer of its own, with a pool and a monitor thread. It is closed as soon as it
 * exists, which frees its connections and removes its pool from the metrics. The close (it stops the monitor thread
 * and waits for it, ~30 ms) runs on a worker, off the main thread that opens the HTTP listener; only an existing
 * instance is looked at, so a client is never made just to be closed. bundle.OneClientTest checks that one pool is
 * left.
 */
@ApplicationScoped
public class SyncClientCloser {
    private static final Logger LOG = Logger.getLogger(SyncClientCloser.class);

    // late (after Quarkus' own startup observers, which create the synchronous client)
    @SuppressWarnings({ "unchecked", "rawtypes" })
    void onStart(@Observes @Priority(5000) StartupEvent ev) {
        for (Bean<?> bean : Arc.container().beanManager().getBeans(com.mongodb.client.MongoClient.class)) {
            InjectableContext context = Arc.container().getActiveContext(bean.getScope());
            Object existing = context == null ? null : context.get((Contextual) bean); // null unless already made
            if (existing instanceof com.mongodb.client.MongoClient client) {
                Infrastructure.getDefaultWorkerPool().execute(() -> {
                    client.close();
                    LOG.debug("Closed Quarkus' unused synchronous MongoDB client: the reactive client is the only one");
                });
            }
        }
    }
}
