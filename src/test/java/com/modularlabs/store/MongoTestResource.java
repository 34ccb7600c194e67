package com.modularlabs.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import io.quarkus.test.common.QuarkusTestResourceLifecycleManager;
import java.util.Map;
import java.util.UUID;

/**
 * The test database: mongo-java-server's memory backend on a random 127.0.0.1 port, reached over TCP like a real
 * MongoDB. With TEST_MONGO_URI set, the suite runs against that real MongoDB instead (a fresh database per run).
 */
public class MongoTestResource implements QuarkusTestResourceLifecycleManager {
    private static volatile MongoServer server;
    private static volatile int port;

    @Override
    public Map<String, String> start() {
        String real = System.getenv("TEST_MONGO_URI");
        if (real != null && !real.isBlank()) {
            return Map.of("quarkus.mongodb.connection-string", real,
                    "quarkus.mongodb.database", "labs_test_" + UUID.randomUUID().toString().substring(0, 8));
        }
        server = new MongoServer(new MemoryBackend());
        server.enableOplog();
        try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = probe.getLocalPort();
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
        server.bind("127.0.0.1", port);
        return Map.of("quarkus.mongodb.connection-string", "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=3000");
    }

    @Override
    public void stop() {
        MongoServer s = server;
        if (s != null) {
            s.shutdownNow();
        }
    }

    /** Whether the tests run against the embedded wire-protocol server (and may stop and restart it). */
    public static boolean embedded() {
        return server != null;
    }

    /** Simulates a database outage: closes the server and every connection. */
    public static void stopDatabase() {
        server.shutdownNow();
    }

    /** Brings a database back on the same port (empty: only use at the end of a test class's own profile). */
    public static void restartDatabase() {
        MongoServer s = new MongoServer(new MemoryBackend());
        s.enableOplog();
        s.bind("127.0.0.1", port);
        server = s;
    }
}
