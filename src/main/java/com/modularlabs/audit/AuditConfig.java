package com.modularlabs.audit;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** The admin audit log (labs_audit). */
@ConfigMapping(prefix = "labs.audit")
public interface AuditConfig {
    /** How long entries are kept: a TTL index plus a periodic delete (the embedded store applies no TTL). */
    @WithDefault("P90D")
    Duration retention();

    /** How often entries past the retention are deleted. */
    @WithDefault("1h")
    Duration sweepInterval();
}
