package com.modularlabs.store;

import com.mongodb.MongoClientSettings;
import io.quarkus.mongodb.runtime.MongoClientCustomizer;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.concurrent.TimeUnit;

/**
 * Bounds how long any database call may wait (a frozen database that accepts connections but answers nothing):
 * socket reads and waits for a pooled connection both end after labs.store.operation-timeout, so a request gets a
 * 503 instead of hanging. Server selection (unreachable database) is bounded by quarkus.mongodb.server-selection-timeout.
 */
@ApplicationScoped
public class StoreTimeouts implements MongoClientCustomizer {
    @Inject
    StoreConfig config;

    @Override
    public MongoClientSettings.Builder customize(MongoClientSettings.Builder builder) {
        long ms = config.operationTimeout().toMillis();
        return builder
                .applyToSocketSettings(s -> s.readTimeout((int) ms, TimeUnit.MILLISECONDS))
                .applyToConnectionPoolSettings(p -> p.maxWaitTime(ms, TimeUnit.MILLISECONDS));
    }
}
