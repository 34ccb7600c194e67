package com.modularlabs.store;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

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
}
