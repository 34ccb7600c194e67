package com.modularlabs.observability;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "labs.eventloop")
public interface EventLoopConfig {
    /** How often each event loop is probed. */
    @WithDefault("100ms")
    Duration probeInterval();

    /** A probe waiting longer than this counts as one blocked-loop event. */
    @WithDefault("200ms")
    Duration blockedThreshold();
}
