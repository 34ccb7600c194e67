package com.modularlabs.bundle;

import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.store.StoreConfig;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.UUID;
import java.util.regex.Pattern;

/** Local folders under LABS_DATA_DIR: bundles/&lt;slug&gt;/&lt;sha256&gt;/ (unpacked cache) and bundles/.tmp/ (work). */
@ApplicationScoped
public class BundlePaths {
    static final Pattern SHA256 = Pattern.compile("^[0-9a-f]{64}$");
    private final Path bundles;

    public BundlePaths(StoreConfig store) {
        this.bundles = Path.of(store.dataDir()).toAbsolutePath().normalize().resolve("bundles");
    }

    public Path bundles() {
        return bundles;
    }

    /** The unpacked folder of one stored bundle version. */
    public Path unpacked(String slug, String sha256) {
        requireSlug(slug);
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return bundles.resolve(slug).resolve(sha256);
    }

    /** Slugs are checked before any path or key is built from them (entry points answer 4xx before this). */
    static String requireSlug(String slug) {
        if (!ManifestValidator.isValidSlug(slug)) {
            throw new IllegalArgumentException("not a valid slug: " + slug);
        }
        return slug;
    }

    /**
     * Names of this process's temp files start with it: the storage sweep leaves them to the operations that made them
     * (each deletes its own when done) and removes only what an earlier, killed process left behind.
     */
    static final String PROCESS_PREFIX = "p" + UUID.randomUUID().toString().substring(0, 8) + "-";

    /** A fresh, not yet existing path in the work folder (same file system as the cache, so renames are atomic). */
    public Path newTemp(String suffix) throws IOException {
        Path tmp = bundles.resolve(".tmp");
        Files.createDirectories(tmp);
        return tmp.resolve(PROCESS_PREFIX + UUID.randomUUID() + suffix);
    }

    public static String storageKey(String slug, String sha256) {
        requireSlug(slug);
        if (!SHA256.matcher(sha256).matches()) {
            throw new IllegalArgumentException("not a sha256: " + sha256);
        }
        return "bundles/" + slug + "/" + sha256 + ".zip";
    }

    /** Deletes a file or a folder tree (links are deleted, never followed); absent is fine. */
    public static void deleteTree(Path p) {
        if (p == null) {
            return;
        }
        try {
            if (!Files.isDirectory(p, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.deleteIfExists(p);
                return;
            }
            Files.walkFileTree(p, new SimpleFileVisitor<>() {
                @Override
                public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
                    Files.deleteIfExists(file);
                    return FileVisitResult.CONTINUE;
                }

                @Override
                public FileVisitResult postVisitDirectory(Path dir, IOException exc) throws IOException {
                    Files.deleteIfExists(dir);
                    return FileVisitResult.CONTINUE;
                }
            });
        } catch (NoSuchFileException gone) {
            // fine
        } catch (IOException e) {
            org.jboss.logging.Logger.getLogger(BundlePaths.class).warnf("Could not delete %s: %s", p, e.getMessage());
        }
    }
}
