package com.modularlabs.store;

import io.quarkus.arc.Arc;
import io.quarkus.arc.InjectableInstance;
import io.quarkus.runtime.StartupEvent;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import org.jboss.logging.Logger;

/**
 * One MongoDB client per process (issue 10). The engine uses only the reactive client, but the Panache extension
 * marks Quarkus' default clients unremovable, so Quarkus also creates the synchronous one at startup, with a pool
 * and monitor threads of its own. Nothing here injects or uses it (bundle, export and GridFS code is on the
 * reactive client too): it is closed as soon as the service has started, which frees its connections and removes
 * its pool from the metrics. bundle.OneClientTest checks that one pool is left.
 */
@ApplicationScoped
public class SyncClientCloser {
    private static final Logger LOG = Logger.getLogger(SyncClientCloser.class);

    void onStart(@Observes StartupEvent ev) {
        InjectableInstance<com.mongodb.client.MongoClient> sync = Arc.container().select(com.mongodb.client.MongoClient.class);
        if (sync.isResolvable()) {
            sync.get().close();
            LOG.debug("Closed Quarkus' unused synchronous MongoDB client: the reactive client is the only one");
        }
    }
}
