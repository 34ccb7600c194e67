package com.modularlabs.registry;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "labs.registry")
public interface RegistryConfig {
    /** Folder of experiment folders (experiments/&lt;slug&gt;/manifest.json). */
    @WithDefault("./experiments")
    String experimentsDir();

    /** How many experiments are read, validated and registered at once. */
    @WithDefault("8")
    int concurrency();

    /** At most this many managed-index builds run at once (seed item 12). */
    @WithDefault("3")
    int indexBuilds();

    /** Create Atlas search / vectorSearch indexes (only on Atlas); otherwise they are reported "unsupported". */
    @WithDefault("false")
    boolean atlasSearch();

    /** How long startup waits for the first registry load before going on in the background. */
    @WithDefault("60s")
    Duration startupTimeout();
}
