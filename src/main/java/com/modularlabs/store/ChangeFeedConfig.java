package com.modularlabs.store;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** labs.change-feed.*: how replicas learn about changes to configs, users and sessions ({@link ChangeFeed}). */
@ConfigMapping(prefix = "labs.change-feed")
public interface ChangeFeedConfig {
    /** Off only for a single replica that wants no watch at all (and in tests that need a still registry). */
    @WithDefault("true")
    boolean enabled();

    /**
     * auto: change streams on a replica set or sharded cluster (where MongoDB offers them), polling elsewhere (a
     * standalone mongod refuses them; the embedded store answers their getMore at once, which would spin); stream
     * or poll to force one.
     */
    @WithDefault("auto")
    String mode();

    /** How often the polling fallback reads the sequence documents. */
    @WithDefault("1s")
    Duration pollInterval();
}
