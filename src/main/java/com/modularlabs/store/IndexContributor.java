package com.modularlabs.store;

import io.smallrye.mutiny.Uni;

/**
 * A feature's own startup indexes on the engine's collections (users.email unique from auth, export_logs.expires_at
 * from bundle exports), created in parallel by registry.CoreIndexes at startup. Lives with the store so features
 * can contribute indexes without depending on the registry.
 */
public interface IndexContributor {
    Uni<Void> ensureIndexes();
}
