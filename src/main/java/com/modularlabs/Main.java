package com.modularlabs;

import com.modularlabs.store.EmbeddedMongo;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.annotations.QuarkusMain;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.util.Optional;

/**
 * Entry point. Before Quarkus starts, checks that no other instance holds the data folder and that the embedded
 * store's port is free when the embedded store will be used, so either gives one clear line and exit code 1
 * instead of a startup stack trace.
 */
@QuarkusMain
public class Main {
    public static void main(String... args) {
        if (usesEmbeddedStore()) {
            Path dataDir = Path.of(setting("LABS_DATA_DIR", "labs.store.data-dir", "./data"));
            Optional<String> held = EmbeddedMongo.heldByAnother(dataDir);
            if (held.isPresent()) {
                System.err.println("ERROR: cannot start: " + held.get() + ".");
                System.exit(1);
            }
            int port = Integer.parseInt(setting("LABS_EMBEDDED_MONGO_PORT", "labs.store.embedded-port", "27018"));
            try (ServerSocket probe = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                probe.setReuseAddress(true);
            } catch (IOException busy) {
                System.err.println("ERROR: cannot start the embedded MongoDB-compatible store: port " + port
                        + " on 127.0.0.1 is already in use. Set LABS_EMBEDDED_MONGO_PORT to a free port, or MONGO_URI to use a real MongoDB.");
                System.exit(1);
            }
        }
        Quarkus.run(args);
    }

    private static boolean usesEmbeddedStore() {
        return setting("MONGO_URI", "mongo.uri", null) == null
                && setting("QUARKUS_MONGODB_CONNECTION_STRING", "quarkus.mongodb.connection-string", null) == null;
    }

    private static String setting(String env, String property, String fallback) {
        String v = System.getProperty(property, System.getenv(env));
        return v == null || v.isBlank() ? fallback : v;
    }
}
