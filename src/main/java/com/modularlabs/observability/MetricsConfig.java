package com.modularlabs.observability;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

@ConfigMapping(prefix = "labs.metrics")
public interface MetricsConfig {
    /**
     * Distinct collection names kept as the collection label of mongodb_driver_commands_seconds; commands on
     * further collections are counted under collection="_other", so a thousand experiments cannot grow a scrape
     * without bound.
     */
    @WithDefault("64")
    int maxCollections();
}
