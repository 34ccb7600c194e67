package com.modularlabs.bundle;

import com.modularlabs.common.Workers;
import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.registry.RegistryConfig;
import com.modularlabs.registry.RootResolver;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * An experiment whose config names a stored bundle ({@code bundle: {storage_key, sha256, size}}) is served from
 * LABS_DATA_DIR/bundles/&lt;slug&gt;/&lt;sha256&gt;/. A replica that has not got that folder yet (another replica
 * took the upload) fetches the ZIP from storage and unpacks it through a temp folder and an atomic rename. Without
 * a bundle, or when the bundle cannot be fetched, the folder experiments/&lt;slug&gt; is used.
 */
@ApplicationScoped
public class BundleRootResolver implements RootResolver {
    private static final Logger LOG = Logger.getLogger(BundleRootResolver.class);

    @Inject
    BundlePaths paths;
    @Inject
    BundleStorage storage;
    @Inject
    BundleConfig config;
    @Inject
    RegistryConfig registryConfig;

    @Override
    public Uni<Path> resolve(String slug, Document cfg) {
        if (!ManifestValidator.isValidSlug(slug)) {
            return Uni.createFrom().failure(new IllegalArgumentException("not a valid slug: " + slug));
        }
        Path folder = Path.of(registryConfig.experimentsDir()).toAbsolutePath().normalize().resolve(slug);
        Document bundle = cfg.get("bundle") instanceof Document d ? d : null;
        if (bundle == null || !(bundle.get("sha256") instanceof String sha) || !BundlePaths.SHA256.matcher(sha).matches()
                || !(bundle.get("storage_key") instanceof String key)) {
            return Uni.createFrom().item(folder);
        }
        return Workers.run(() -> {
            Path dir = paths.unpacked(slug, sha);
            if (Files.isDirectory(dir)) {
                return dir;
            }
            Path zip = paths.newTemp(".zip");
            Path tmp = paths.newTemp("");
            try {
                try (InputStream in = storage.open(key)) {
                    Files.copy(in, zip);
                }
                new BundleArchive(config).unpack(zip, tmp);
                Files.createDirectories(dir.getParent());
                try {
                    Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                    // another thread unpacked the same version first
                }
                return dir;
            } catch (Exception e) {
                LOG.warnf("Bundle %s of %s could not be fetched (%s); serving experiments/%s", key, slug, e.getMessage(), slug);
                return folder;
            } finally {
                BundlePaths.deleteTree(zip);
                BundlePaths.deleteTree(tmp);
            }
        });
    }
}
