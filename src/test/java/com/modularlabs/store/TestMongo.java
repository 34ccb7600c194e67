package com.modularlabs.store;

import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.eclipse.microprofile.config.ConfigProvider;

/**
 * The tests' own driver client for setting up and checking data, opened on the running app's connection string.
 * Not a bean: injecting the sync {@code MongoClient} into a test would make Quarkus create a second client (and
 * pool) inside the app, which is what bundle.OneClientTest proves the service itself never does.
 */
public final class TestMongo {
    private static final Map<String, MongoClient> CLIENTS = new ConcurrentHashMap<>();

    private TestMongo() {
    }

    public static MongoClient client() {
        String uri = ConfigProvider.getConfig().getValue("quarkus.mongodb.connection-string", String.class);
        return CLIENTS.computeIfAbsent(uri, MongoClients::create);
    }
}
