package com.modularlabs.bundle;

import com.modularlabs.common.Workers;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.store.StoreOutage;
import com.mongodb.client.model.Filters;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Removes what interrupted work leaves behind, shortly after startup and then every labs.bundle.sweep-interval:
 * temp files (bundles/.tmp, multipart uploads) and orphan GridFS chunks older than labs.bundle.temp-max-age, and
 * old bundle versions: per experiment the served one and the newest labs.bundle.keep-versions are kept (in storage
 * and in the unpacked cache). Safe with several replicas: each deletes only what no config references.
 */
@ApplicationScoped
public class StorageSweeper {
    private static final Logger LOG = Logger.getLogger(StorageSweeper.class);

    @Inject
    BundleConfig config;
    @Inject
    BundlePaths paths;
    @Inject
    BundleStorage storage;
    @Inject
    BundleDb mongo;

    /** What one sweep removed. */
    public record Swept(int tempFiles, long orphanChunks, int oldVersions) {
    }

    @Scheduled(every = "${labs.bundle.sweep-interval:1h}", delayed = "${labs.bundle.sweep-delay:30s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void scheduled() {
        try {
            sweep();
        } catch (RuntimeException e) {
            // during an outage StoreOutage has already said so once
            LOG.logf(StoreOutage.isOutage(e) ? org.jboss.logging.Logger.Level.DEBUG : org.jboss.logging.Logger.Level.WARN, "Storage sweep failed: %s", StoreOutage.brief(e));
        }
    }

    /** One sweep (blocking: a worker thread). */
    public Swept sweep() {
        Workers.assertNotOnEventLoop("Storage sweep");
        Instant before = Instant.now().minus(config.tempMaxAge());
        // Files in use are never swept: this process's own temp files carry its prefix, and a multipart upload is
        // deleted by Quarkus when its request ends, so in the uploads folder only files older than this process go.
        Instant beforeThisProcess = before.isBefore(STARTED) ? before : STARTED;
        int temp = oldFiles(paths.bundles().resolve(".tmp"), before, BundlePaths.PROCESS_PREFIX)
                + oldFiles(Path.of(config.uploadsDir()), beforeThisProcess, null);
        long chunks = storage.removeOrphans(before);
        int versions = oldVersions(before);
        if (temp + chunks + versions > 0) {
            LOG.infof("Storage sweep removed %d temp files, %d orphan GridFS chunks, %d old bundle versions", temp, chunks, versions);
        }
        return new Swept(temp, chunks, versions);
    }

    private static final Instant STARTED = Instant.now();

    private static int oldFiles(Path dir, Instant before, String keepPrefix) {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return 0;
        }
        int n = 0;
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(dir)) {
            for (Path p : entries) {
                if (keepPrefix != null && p.getFileName().toString().startsWith(keepPrefix)) {
                    continue;
                }
                if (Files.getLastModifiedTime(p, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) {
                    BundlePaths.deleteTree(p);
                    n++;
                }
            }
        } catch (IOException e) {
            LOG.warnf("Could not sweep %s: %s", dir, e.getMessage());
        }
        return n;
    }

    /** Bundle versions beyond the newest keep-versions of each experiment (older than {@code before}), never the served one. */
    private int oldVersions(Instant before) {
        Map<String, String> served = new HashMap<>();
        try (java.util.stream.Stream<Document> configs = BundleDb.stream(mongo.driver().getCollection(ExperimentConfigRepository.COLLECTION)
                .find(Filters.exists("bundle.sha256")).projection(new Document("slug", 1).append("bundle", 1)).batchSize(500), 500)) {
            configs.forEach(d -> served.put(d.getString("slug"), ((Document) d.get("bundle")).getString("sha256")));
        }
        Map<String, List<BundleStorage.Stored>> bySlug = new HashMap<>();
        for (BundleStorage.Stored s : storage.list("bundles/")) {
            String[] parts = s.key().split("/");
            if (parts.length == 3 && parts[2].endsWith(".zip")) {
                bySlug.computeIfAbsent(parts[1], k -> new ArrayList<>()).add(s);
            }
        }
        int removed = 0;
        Map<String, Set<String>> kept = new HashMap<>();
        for (Map.Entry<String, List<BundleStorage.Stored>> e : bySlug.entrySet()) {
            String slug = e.getKey();
            List<BundleStorage.Stored> versions = new ArrayList<>(e.getValue());
            versions.sort(Comparator.comparing(BundleStorage.Stored::storedAt).reversed());
            Set<String> keep = new HashSet<>();
            if (served.get(slug) != null) {
                keep.add(served.get(slug));
            }
            versions.stream().limit(Math.max(1, config.keepVersions())).forEach(v -> keep.add(sha(v.key())));
            kept.put(slug, keep);
            for (BundleStorage.Stored v : versions) {
                String sha = sha(v.key());
                if (!keep.contains(sha) && v.storedAt().isBefore(before)) {
                    storage.delete(v.key());
                    if (BundlePaths.SHA256.matcher(sha).matches()) {
                        BundlePaths.deleteTree(paths.unpacked(slug, sha));
                    }
                    removed++;
                }
            }
        }
        // this replica's unpacked cache: versions another replica's sweep removed from storage, or never stored
        try (DirectoryStream<Path> slugs = Files.newDirectoryStream(paths.bundles(), Files::isDirectory)) {
            for (Path slugDir : slugs) {
                String slug = slugDir.getFileName().toString();
                if (slug.startsWith(".")) {
                    continue;
                }
                Set<String> keep = kept.getOrDefault(slug, served.containsKey(slug) ? Set.of(served.get(slug)) : null);
                if (keep == null) {
                    continue; // nothing known about it: leave it
                }
                try (DirectoryStream<Path> shas = Files.newDirectoryStream(slugDir)) {
                    for (Path v : shas) {
                        String sha = v.getFileName().toString();
                        // only old ones: an upload in progress unpacks its version before the config names it
                        if (BundlePaths.SHA256.matcher(sha).matches() && !keep.contains(sha)
                                && Files.getLastModifiedTime(v, LinkOption.NOFOLLOW_LINKS).toInstant().isBefore(before)) {
                            BundlePaths.deleteTree(v);
                        }
                    }
                }
            }
        } catch (java.nio.file.NoSuchFileException none) {
            // no cache yet
        } catch (IOException e) {
            LOG.warnf("Could not sweep the bundle cache: %s", e.getMessage());
        }
        return removed;
    }

    private static String sha(String key) {
        String name = key.substring(key.lastIndexOf('/') + 1);
        return name.substring(0, name.length() - ".zip".length());
    }
}
