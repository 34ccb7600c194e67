package com.modularlabs.admin;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

@ConfigMapping(prefix = "labs.admin")
public interface AdminConfig {
    Activity activity();

    interface Activity {
        /** How often the per-experiment activity sampler reads the meters (one chart point per interval). */
        @WithDefault("60s")
        Duration interval();

        /** Points kept per experiment (with the default interval: the last hour). */
        @WithDefault("60")
        int samples();
    }
}
