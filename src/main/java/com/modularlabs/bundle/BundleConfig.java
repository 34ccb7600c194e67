package com.modularlabs.bundle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;

/** Bundle upload, import and export limits and storage (contract section 8). */
@ConfigMapping(prefix = "labs.bundle")
public interface BundleConfig {
    /** Largest accepted upload body (the ZIP itself). */
    @WithDefault("52428800")
    long maxUploadBytes();

    /** Most entries a ZIP may hold. */
    @WithDefault("10000")
    int maxEntries();

    /** Most bytes all entries may inflate to, counted while inflating. */
    @WithDefault("209715200")
    long maxUnpackedBytes();

    /** Largest inflated/compressed ratio of one entry, counted while inflating. */
    @WithDefault("100")
    int maxRatio();

    /** The ratio is enforced once an entry has inflated beyond this many bytes (tiny files compress absurdly well). */
    @WithDefault("65536")
    long ratioMinBytes();

    /** Where bundles and exports are stored: {@code gridfs} (default). */
    @WithDefault("gridfs")
    String storage();

    /** GridFS bucket of bundles and exports. */
    @WithDefault("bundles")
    String gridfsBucket();

    /** How long an export is kept before the cleanup job deletes it. */
    @WithDefault("24h")
    Duration exportTtl();

    /** How often the cleanup job deletes expired exports. */
    @WithDefault("10m")
    String exportSweep();

    /** Largest file the admin file viewer returns. */
    @WithDefault("1048576")
    long fileViewMaxBytes();
}
