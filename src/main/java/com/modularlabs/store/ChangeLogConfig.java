package com.modularlabs.store;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The realtime event log ({@link ChangeLog}): how it is tailed and how long entries stay resumable. */
@ConfigMapping(prefix = "labs.events")
public interface ChangeLogConfig {
    /** How often each replica polls the log for entries written elsewhere (local writes wake it at once). */
    @WithDefault("100ms")
    Duration pollInterval();

    /** Entries read per poll (the embedded store returns everything on getMore: always bounded). */
    @WithDefault("500")
    int pollBatch();

    /** How long delivery waits for a reserved sequence number whose write is still in flight before skipping it. */
    @WithDefault("3s")
    Duration gapWait();

    /** How long entries are kept: a client can resume (Last-Event-ID) within this window. */
    @WithDefault("15m")
    Duration retention();
}
