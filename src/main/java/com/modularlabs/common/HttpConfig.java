package com.modularlabs.common;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** labs.http.*: how responses are sent. */
@ConfigMapping(prefix = "labs.http")
public interface HttpConfig {
    /** Responses smaller than this go uncompressed (gzip only pays off above ~1 KiB). */
    @WithDefault("1024")
    long compressionMinBytes();
}
