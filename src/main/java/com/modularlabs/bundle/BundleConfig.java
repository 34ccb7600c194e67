package com.modularlabs.bundle;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.Optional;

/** Bundle upload, import and export limits and storage (contract section 8). */
@ConfigMapping(prefix = "labs.bundle")
public interface BundleConfig {
    /** Where the HTTP layer spools multipart uploads (quarkus.http.body.uploads-directory reads this key). */
    String uploadsDir();

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

    /**
     * Where bundles and exports are stored: {@code gridfs}, {@code s3}, or {@code auto} (default): S3 when
     * {@code labs.bundle.s3.bucket} (LABS_S3_BUCKET) is set, GridFS otherwise. See {@link BundleStorageSelector}.
     */
    @WithDefault("auto")
    String storage();

    /** S3-compatible storage (AWS, Backblaze B2, MinIO, ...), used when {@link #storage()} selects s3. */
    S3 s3();

    interface S3 {
        /** Endpoint URL, e.g. https://s3.us-west-004.backblazeb2.com (LABS_S3_ENDPOINT). */
        Optional<String> endpoint();

        /** Bucket of bundles and exports (LABS_S3_BUCKET); it must exist. */
        Optional<String> bucket();

        /** Signing region (LABS_S3_REGION); most S3-compatible stores accept us-east-1. */
        @WithDefault("us-east-1")
        String region();

        /** Static credentials (LABS_S3_ACCESS_KEY_ID, LABS_S3_SECRET_ACCESS_KEY). Never logged. */
        Optional<String> accessKeyId();

        Optional<String> secretAccessKey();
    }

    /** GridFS bucket of bundles and exports. */
    @WithDefault("bundles")
    String gridfsBucket();

    /** How long an export is kept before the cleanup job deletes it. */
    @WithDefault("24h")
    Duration exportTtl();

    /** How often the cleanup job deletes expired exports. */
    @WithDefault("10m")
    String exportSweep();

    /**
     * Lease of a running export: its replica renews it every labs.bundle.export-lease-check; a job whose lease ran
     * out (the replica was killed) is marked failed with the reason by any replica.
     */
    @WithDefault("30s")
    Duration exportLease();

    /** How often leases are renewed and expired ones failed (a duration for the scheduler, e.g. 10s). */
    @WithDefault("10s")
    String exportLeaseCheck();

    /** Temp files and orphan GridFS chunks older than this are removed by the storage sweep (StorageSweeper). */
    @WithDefault("1h")
    Duration tempMaxAge();

    /** How often the storage sweep runs (also once shortly after startup). */
    @WithDefault("1h")
    String sweepInterval();

    /** Delay of the first storage sweep after startup (a duration for the scheduler). */
    @WithDefault("30s")
    String sweepDelay();

    /** Bundle versions kept per experiment (the served one is always kept). */
    @WithDefault("3")
    int keepVersions();

    /** Largest file the admin file viewer returns. */
    @WithDefault("1048576")
    long fileViewMaxBytes();
}
