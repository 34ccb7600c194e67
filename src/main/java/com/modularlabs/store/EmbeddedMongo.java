package com.modularlabs.store;

import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.h2.H2Backend;
import io.quarkus.runtime.Quarkus;
import io.quarkus.runtime.ShutdownEvent;
import io.quarkus.runtime.StartupEvent;
import jakarta.annotation.Priority;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.io.IOException;
import java.net.BindException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.jboss.logging.Logger;

/**
 * The default store: when no MongoDB connection string is configured, an in-process MongoDB wire-protocol server
 * (mongo-java-server, H2 backend, oplog on for change streams) is started on 127.0.0.1 before anything talks to
 * the database. The MongoDB driver connects lazily, so starting here, first among startup observers, is early
 * enough.
 */
@ApplicationScoped
public class EmbeddedMongo {
    private static final Logger LOG = Logger.getLogger(EmbeddedMongo.class);

    @Inject
    StoreConfig config;

    @ConfigProperty(name = "quarkus.mongodb.connection-string")
    String connectionString;

    private volatile MongoServer server;

    /** The connection string application.properties falls back to when neither MONGO_URI nor QUARKUS_MONGODB_CONNECTION_STRING is set. */
    static String embeddedUri(int port) {
        return "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=5000";
    }

    public boolean isEmbedded() {
        return embeddedUri(config.embeddedPort()).equals(connectionString);
    }

    void start(@Observes @Priority(1) StartupEvent ev) {
        if (!isEmbedded()) {
            LOG.infof("Using MongoDB at %s", redact(connectionString));
            return;
        }
        Path dir = Path.of(config.dataDir()).toAbsolutePath().normalize();
        try {
            Files.createDirectories(dir);
            MongoServer s = new MongoServer(new H2Backend(dir.resolve("labs-store.mv").toString()));
            s.enableOplog();
            s.bind("127.0.0.1", config.embeddedPort());
            server = s;
            LOG.infof("No MONGO_URI set: started the embedded MongoDB-compatible store on 127.0.0.1:%d with data in %s. "
                    + "Set MONGO_URI (e.g. mongodb://host:27017/?replicaSet=rs0) to use a real MongoDB.", config.embeddedPort(), dir);
        } catch (RuntimeException | IOException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String why = root instanceof BindException
                    ? "port " + config.embeddedPort() + " on 127.0.0.1 is already in use (set LABS_EMBEDDED_MONGO_PORT to another port, or MONGO_URI to use a real MongoDB)"
                    : root.getMessage();
            LOG.errorf("Cannot start the embedded MongoDB-compatible store: %s", why);
            Quarkus.asyncExit(1);
            throw new IllegalStateException("Embedded store failed to start: " + why, null) {
                @Override
                public synchronized Throwable fillInStackTrace() {
                    return this;
                }
            };
        }
    }

    void stop(@Observes ShutdownEvent ev) {
        MongoServer s = server;
        if (s != null) {
            s.shutdownNow();
        }
    }

    /** Hides the password of a connection string, for logs. */
    public static String redact(String uri) {
        return uri == null ? null : uri.replaceAll("//([^:/@]+):[^@/]*@", "//$1:***@");
    }
}
