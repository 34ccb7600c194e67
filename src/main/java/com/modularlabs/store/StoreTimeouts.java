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
 * Automatic retries are off by default: each would add another full timeout.
 */
@ApplicationScoped
public class StoreTimeouts implements MongoClientCustomizer {
    @Inject
    StoreConfig config;

    @Override
    public MongoClientSettings.Builder customize(MongoClientSettings.Builder builder) {
        long ms = config.operationTimeout().toMillis();
        // the driver's automatic retry of a failed read or write would wait a second timeout on a frozen database;
        // without it, a failure is a 503 with Retry-After and the client retries (LABS_MONGO_RETRY=true restores it)
        return builder
                .applyToSocketSettings(s -> s.readTimeout((int) ms, TimeUnit.MILLISECONDS))
                .applyToConnectionPoolSettings(p -> p.maxWaitTime(ms, TimeUnit.MILLISECONDS))
                .retryReads(config.driverRetries()).retryWrites(config.driverRetries());
    }
}
