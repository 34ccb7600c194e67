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
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Optional;
import org.h2.mvstore.MVStore;
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

    @Inject
    MongoSettings mongo;

    private volatile MongoServer server;

    /** The connection string application.properties falls back to when neither MONGO_URI nor QUARKUS_MONGODB_CONNECTION_STRING is set. */
    static String embeddedUri(int port) {
        return "mongodb://127.0.0.1:" + port + "/?serverSelectionTimeoutMS=5000";
    }

    public boolean isEmbedded() {
        return embeddedUri(config.embeddedPort()).equals(mongo.connectionString().orElse(""));
    }

    void start(@Observes @Priority(1) StartupEvent ev) {
        if (!isEmbedded()) {
            LOG.infof("Using MongoDB at %s", redact(mongo.connectionString().orElse("")));
            return;
        }
        Path dir = Path.of(config.dataDir()).toAbsolutePath().normalize();
        try {
            Optional<String> held = heldByAnother(dir);
            if (held.isPresent()) {
                throw new IllegalStateException(held.get());
            }
            server = open(dir, config.embeddedPort(), config.durability());
            LOG.infof("No MONGO_URI set: started the embedded MongoDB-compatible store on 127.0.0.1:%d with data in %s "
                    + "(durability: %s). Set MONGO_URI (e.g. mongodb://host:27017/?replicaSet=rs0) to use a real MongoDB.",
                    config.embeddedPort(), dir, config.durability());
        } catch (RuntimeException | IOException e) {
            Throwable root = e;
            while (root.getCause() != null) {
                root = root.getCause();
            }
            String why = root instanceof BindException
                    ? "port " + config.embeddedPort() + " on 127.0.0.1 is already in use (set LABS_EMBEDDED_MONGO_PORT to another port, or MONGO_URI to use a real MongoDB)"
                    : String.valueOf(root.getMessage()).contains("locked") ? heldMessage(dir) : root.getMessage();
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

    /** File of the embedded store inside the data folder. */
    public static Path storeFile(Path dir) {
        return dir.resolve("labs-store.mv");
    }

    /**
     * Opens the embedded store on {@code dir} and serves it on 127.0.0.1:{@code port}. Durability "commit" (default)
     * and "fsync" make every write reach the data file before it is acknowledged ({@link DurableH2Backend}).
     */
    public static MongoServer open(Path dir, int port, String durability) throws IOException {
        Files.createDirectories(dir);
        String file = storeFile(dir).toString();
        H2Backend backend = switch (durability) {
            case "delayed" -> new H2Backend(file);
            // no background auto-commit: it writes asynchronously after releasing the store lock, so a command's own
            // commit could find nothing unsaved and reply before those bytes were in the file
            case "commit", "fsync" -> new DurableH2Backend(new MVStore.Builder().fileName(file).autoCommitDisabled().open(),
                    "fsync".equals(durability));
            default -> throw new IllegalArgumentException("labs.store.durability must be commit, fsync or delayed, not '" + durability + "'");
        };
        MongoServer s = new MongoServer(backend);
        s.enableOplog();
        try {
            s.bind("127.0.0.1", port);
        } catch (RuntimeException e) {
            s.shutdownNow();
            throw e;
        }
        return s;
    }

    /**
     * The one-line refusal when another process (a second instance) holds the store file of {@code dir}; empty when
     * the folder is free. Probed with the same OS file lock the store takes, released at once.
     */
    public static Optional<String> heldByAnother(Path dir) {
        Path file = storeFile(dir.toAbsolutePath().normalize());
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ, StandardOpenOption.WRITE)) {
            FileLock lock = ch.tryLock();
            if (lock == null) {
                return Optional.of(heldMessage(dir));
            }
            lock.release();
            return Optional.empty();
        } catch (OverlappingFileLockException sameProcess) {
            return Optional.of(heldMessage(dir));
        } catch (IOException unreadable) {
            return Optional.empty(); // the store's own open reports it
        }
    }

    static String heldMessage(Path dir) {
        return "another instance holds the data folder " + dir.toAbsolutePath().normalize()
                + " (its store file is locked); stop that instance, or set LABS_DATA_DIR to another folder";
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
