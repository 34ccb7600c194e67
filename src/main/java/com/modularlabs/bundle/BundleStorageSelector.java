package com.modularlabs.bundle;

import io.quarkus.runtime.StartupEvent;
import io.quarkus.runtime.configuration.ConfigUtils;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.enterprise.inject.Instance;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jboss.logging.Logger;

/**
 * Chooses the {@link BundleStorage} bean. {@code labs.bundle.storage} (LABS_BUNDLE_STORAGE): {@code gridfs} or
 * {@code s3} explicitly; {@code auto} (default) means S3 when LABS_S3_BUCKET is set, GridFS otherwise. The prod
 * profile refuses to start with S3 selected but its bucket, endpoint or credentials missing; elsewhere that is a
 * warning (no endpoint: AWS's own; no credentials: the SDK's default chain), except the bucket, which is always needed.
 */
@ApplicationScoped
public class BundleStorageSelector {
    private static final Logger LOG = Logger.getLogger(BundleStorageSelector.class);

    @Inject
    BundleConfig config;

    /** "gridfs" or "s3". */
    public static String kind(BundleConfig config) {
        return kind(config.storage(), config.s3().bucket());
    }

    static String kind(String storage, java.util.Optional<String> bucket) {
        String s = storage.trim().toLowerCase(Locale.ROOT);
        return switch (s) {
            case "gridfs", "s3" -> s;
            case "auto", "" -> bucket.filter(b -> !b.isBlank()).isPresent() ? "s3" : "gridfs";
            default -> throw new IllegalStateException("labs.bundle.storage (LABS_BUNDLE_STORAGE) must be gridfs, s3 or auto, not " + s);
        };
    }

    /** What is missing for S3 (names of the environment variables, never values). */
    static List<String> missing(BundleConfig.S3 s3) {
        List<String> out = new ArrayList<>();
        if (s3.bucket().filter(v -> !v.isBlank()).isEmpty()) {
            out.add("LABS_S3_BUCKET");
        }
        if (s3.endpoint().filter(v -> !v.isBlank()).isEmpty()) {
            out.add("LABS_S3_ENDPOINT");
        }
        if (s3.accessKeyId().filter(v -> !v.isBlank()).isEmpty()) {
            out.add("LABS_S3_ACCESS_KEY_ID");
        }
        if (s3.secretAccessKey().filter(v -> !v.isBlank()).isEmpty()) {
            out.add("LABS_S3_SECRET_ACCESS_KEY");
        }
        return out;
    }

    @Produces
    @ApplicationScoped
    BundleStorage storage(Instance<GridFsBundleStorage> gridfs, Instance<S3BundleStorage> s3) {
        return "s3".equals(kind(config)) ? s3.get() : gridfs.get();
    }

    void onStart(@Observes StartupEvent ev) {
        String kind = kind(config);
        if ("s3".equals(kind)) {
            List<String> missing = missing(config.s3());
            if (!missing.isEmpty()) {
                String msg = "S3 bundle storage is selected but " + String.join(", ", missing) + " not set";
                if (ConfigUtils.getProfiles().contains("prod") || missing.contains("LABS_S3_BUCKET")) {
                    throw new IllegalStateException("Refusing to start: " + msg
                            + " (set them, or LABS_BUNDLE_STORAGE=gridfs to keep bundles in MongoDB)");
                }
                LOG.warn(msg + " (refused in the prod profile)");
            }
        } else {
            LOG.debug("Bundle storage: GridFS");
        }
    }
}
