package com.modularlabs.store;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "labs.store")
public interface StoreConfig {
    /** Port of the embedded MongoDB-compatible server, used only when no MONGO_URI is configured. */
    @WithDefault("27018")
    int embeddedPort();

    /** Directory of the embedded store's files (and local caches). */
    @WithDefault("./data")
    String dataDir();

    /** Commands slower than this are counted and logged (labs_mongodb_slow_commands_total). */
    @WithDefault("100")
    long slowQueryMs();

    /**
     * Longest wait for one database reply or for a pooled connection (socket read timeout and pool wait); a frozen
     * database makes requests fail with 503 after this instead of hanging.
     */
    @WithDefault("6s")
    Duration operationTimeout();

    /**
     * The driver's automatic single retry of reads and writes (smoother replica-set failovers). Off by default: a
     * retry after a timeout doubles the longest wait on a frozen database; clients retry on the 503 instead.
     */
    @WithDefault("false")
    boolean driverRetries();

    /** Retry-After (seconds) of the 503 answered while the database is unreachable. */
    @WithDefault("5")
    int outageRetryAfterSeconds();

    /**
     * Embedded store durability: {@code commit} (default) writes every acknowledged write to the data file before
     * the reply, so a killed process loses none; {@code fsync} also forces it to disk (survives power loss, slower);
     * {@code delayed} is mongo-java-server's default (up to ~1 s of acknowledged writes lost on a crash).
     */
    @WithDefault("commit")
    String durability();
}
