package com.modularlabs.bundle;

import com.modularlabs.common.FieldError;
import com.modularlabs.common.Failure;
import com.modularlabs.common.Workers;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.CollectionClaims;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.ManifestParser;
import com.modularlabs.store.EngineCollections;
import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.store.ChangeFeed;
import com.modularlabs.store.ChangeLog;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.InsertManyOptions;
import com.mongodb.client.result.UpdateResult;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.DigestOutputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.bson.BsonDocument;
import org.bson.BsonString;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Upload and import of bundles (seed item 6). The body is streamed to a temp file with its size capped and its
 * sha256 computed on the way; the ZIP is checked and unpacked from disk into a temp folder; only then is it
 * stored, renamed into place (atomic), and the config replaced with a version check. A refusal or failure at any
 * step leaves the served version, the config and the cache folder as they were. Blocking: worker threads only.
 */
@ApplicationScoped
public class BundleService {
    private static final Logger LOG = Logger.getLogger(BundleService.class);
    /** Engine-owned keys of a config document that never come from a manifest. */
    public static final Set<String> ENGINE_KEYS = Set.of("_id", "version", "bundle", "created_at", "updated_at");
    static final int INSERT_BATCH = 1000;
    static final org.bson.json.JsonWriterSettings EXTENDED = org.bson.json.JsonWriterSettings.builder()
            .outputMode(org.bson.json.JsonMode.EXTENDED).build();

    @Inject
    BundleConfig config;
    @Inject
    BundlePaths paths;
    @Inject
    BundleStorage storage;
    @Inject
    ManifestValidator validator;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;
    @Inject
    ManifestParser parser;
    @Inject
    CollectionClaims claims;
    @Inject
    ChangeFeed feed;
    @Inject
    BundleDb mongo;
    @Inject
    ChangeLog events;

    /** A received body on disk. */
    public record Received(Path file, String sha256, long size) {
    }

    /** What an upload or import did. */
    public record Installed(String slug, long version, String sha256, long size, int files, Map<String, Long> documents) {
    }

    /** Streams {@code in} to a temp file, refusing (413) past the upload limit, computing sha256. */
    public Received receive(InputStream in) throws IOException {
        Workers.assertNotOnEventLoop("Receiving a bundle");
        Path file = paths.newTemp(".zip");
        long size = 0;
        byte[] buf = new byte[64 * 1024];
        DigestOutputStream out = new DigestOutputStream(Files.newOutputStream(file), sha256());
        try (out) {
            int n;
            while ((n = in.read(buf)) > 0) {
                size += n;
                if (size > config.maxUploadBytes()) { // counted while reading: a chunked body stops at the cap
                    throw Failure.tooLarge("The bundle is larger than " + config.maxUploadBytes() + " bytes");
                }
                out.write(buf, 0, n);
            }
        } catch (IOException | RuntimeException e) {
            BundlePaths.deleteTree(file);
            throw e;
        }
        return new Received(file, HexFormat.of().formatHex(out.getMessageDigest().digest()), size);
    }

    /** Same as {@link #receive(InputStream)} for a file already on disk (a multipart upload). */
    public Received receive(Path uploaded) throws IOException {
        if (Files.size(uploaded) > config.maxUploadBytes()) {
            throw Failure.tooLarge("The bundle is larger than " + config.maxUploadBytes() + " bytes");
        }
        try (InputStream in = Files.newInputStream(uploaded)) {
            return receive(in);
        }
    }

    /**
     * Installs a received bundle as experiment {@code slug} (null for import: the manifest's slug). With
     * {@code withData}, data/&lt;coll&gt;.ndjson replaces this experiment's documents in those collections.
     */
    public Installed install(String slug, Received zip, boolean withData) throws IOException {
        Workers.assertNotOnEventLoop("Installing a bundle");
        Path tmp = paths.newTemp("");
        try {
            BundleArchive.Unpacked u = new BundleArchive(config).unpack(zip.file(), tmp);
            Document manifest = u.manifest();
            if (slug == null) {
                Object declared = manifest.get("slug");
                if (!(declared instanceof String s)) {
                    throw Failure.invalid("The bundle's manifest.json names no slug; pass ?slug=",
                            List.of(new FieldError("$.slug", "required for an import")));
                }
                slug = s;
            }
            if (!ManifestValidator.isValidSlug(slug)) {
                throw Failure.invalid("Invalid slug", List.of(new FieldError("$.slug", "must match " + ManifestValidator.SLUG.pattern())));
            }
            Document candidate = manifestOnly(manifest);
            candidate.putIfAbsent("slug", slug);
            List<FieldError> errors = validator.validate(slug, candidate);
            if (!errors.isEmpty()) {
                throw Failure.invalid("manifest.json is invalid", errors);
            }
            try { // everything the registry will check (queries, pipelines, schemas), before anything is written
                parser.parse(slug, candidate, tmp);
            } catch (ManifestParser.InvalidManifest bad) {
                throw Failure.invalid("manifest.json is invalid", bad.errors);
            }
            Map<String, Path> data = withData ? dataFiles(slug, candidate, tmp, u.files()) : Map.of();
            for (Map.Entry<String, Path> d : data.entrySet()) {
                checkData(d.getKey(), d.getValue()); // a bad line refuses the import before anything is touched
            }
            // 409 when another experiment already uses one of the stored names; settles concurrent uploads
            List<String> claimed = claims.claim(slug, candidate).await().atMost(Duration.ofSeconds(30));
            long version;
            Map<String, Long> counts = new LinkedHashMap<>();
            try {
                Path dir = paths.unpacked(slug, zip.sha256());
                Files.createDirectories(dir.getParent());
                if (!Files.isDirectory(dir)) {
                    try {
                        Files.move(tmp, dir, StandardCopyOption.ATOMIC_MOVE);
                    } catch (java.nio.file.FileAlreadyExistsException | java.nio.file.DirectoryNotEmptyException raced) {
                        // the same content was unpacked concurrently: identical by sha256
                    }
                }
                String key = storage.put(BundlePaths.storageKey(slug, zip.sha256()), zip.file());
                Document bundle = new Document("storage_key", key).append("sha256", zip.sha256()).append("size", zip.size());
                String target = slug;
                Map<String, Path> moved = new LinkedHashMap<>();
                data.forEach((coll, file) -> moved.put(coll, dir.resolve(tmp.relativize(file))));
                version = importAllOrNothing(slug, moved, counts, () -> replaceConfig(target, candidate, bundle));
            } catch (IOException | RuntimeException failed) {
                claims.release(slug, claimed).await().atMost(Duration.ofSeconds(30)); // the config was not swapped
                throw failed;
            }
            registry.reload(slug).await().atMost(Duration.ofSeconds(60));
            feed.touch(ExperimentConfigRepository.COLLECTION, slug).await().atMost(Duration.ofSeconds(10));
            events.reset(slug, data.keySet()).await().atMost(Duration.ofSeconds(10)); // realtime subscribers reload
            LOG.infof("Installed bundle %s for %s (version %d, %d files, %d bytes)", zip.sha256(), slug, version, u.files().size(), zip.size());
            return new Installed(slug, version, zip.sha256(), zip.size(), u.files().size(), counts);
        } finally {
            BundlePaths.deleteTree(tmp);
        }
    }

    /**
     * Replaces this experiment's documents in each data collection, then swaps the config: all or nothing. There
     * are no transactions on the embedded store, so the documents to be replaced are first copied to a file on
     * disk (streamed, bounded memory); if an insert or the config swap fails, what the import inserted is removed
     * and the copies are put back before the failure is reported. Readers may see the new documents while the
     * import is under way.
     */
    private long importAllOrNothing(String slug, Map<String, Path> data, Map<String, Long> counts,
            java.util.function.LongSupplier swap) throws IOException {
        Map<String, Path> backups = new LinkedHashMap<>();
        List<Path> keep = new ArrayList<>();
        try {
            for (Map.Entry<String, Path> d : data.entrySet()) {
                Path backup = backup(slug, d.getKey()); // complete before anything of this collection is deleted
                backups.put(d.getKey(), backup);
                counts.put(d.getKey(), replaceData(slug, d.getKey(), d.getValue()));
            }
            return swap.getAsLong();
        } catch (IOException | RuntimeException failed) {
            for (Map.Entry<String, Path> b : backups.entrySet()) {
                try {
                    restore(slug, b.getKey(), b.getValue());
                } catch (IOException | RuntimeException again) {
                    keep.add(b.getValue());
                    LOG.errorf("Import of %s failed and collection %s could not be restored (%s); its previous documents are in %s",
                            slug, b.getKey(), again.getMessage(), b.getValue());
                }
            }
            if (!backups.isEmpty()) {
                LOG.infof("Import of %s failed (%s); previous documents restored", slug, failed.getMessage());
            }
            throw failed;
        } finally {
            backups.values().stream().filter(b -> !keep.contains(b)).forEach(BundlePaths::deleteTree);
        }
    }

    private ReactiveMongoCollection<BsonDocument> dataCollection(String slug, String coll) {
        return mongo.collection(EngineCollections.physical(slug, coll), BsonDocument.class);
    }

    /** Every line of a data file must be one Extended JSON document (400 naming the line otherwise). */
    private static void checkData(String coll, Path file) throws IOException {
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (!line.isBlank()) {
                    try {
                        BsonDocument.parse(line);
                    } catch (RuntimeException bad) {
                        throw Failure.invalid("Bad document in data/" + coll + ".ndjson",
                                List.of(new FieldError("data/" + coll + ".ndjson:" + lineNo, bad.getMessage())));
                    }
                }
            }
        }
    }

    /** Copies this experiment's documents of one collection to a new file (canonical Extended JSON lines). */
    private Path backup(String slug, String coll) throws IOException {
        Path file = paths.newTemp(".ndjson");
        var find = mongo.driver().getCollection(EngineCollections.physical(slug, coll), BsonDocument.class)
                .find(Filters.eq("experiment_id", slug)).batchSize(INSERT_BATCH);
        try (java.io.Writer w = Files.newBufferedWriter(file, StandardCharsets.UTF_8); Stream<BsonDocument> cursor = BundleDb.stream(find, INSERT_BATCH)) {
            for (BsonDocument d : (Iterable<BsonDocument>) cursor::iterator) {
                w.write(d.toJson(EXTENDED));
                w.write('\n');
            }
        } catch (IOException | RuntimeException e) {
            BundlePaths.deleteTree(file);
            throw e;
        }
        return file;
    }

    /** Replaces this experiment's documents of one collection by the file's, streamed in batches. */
    private long replaceData(String slug, String coll, Path file) throws IOException {
        ReactiveMongoCollection<BsonDocument> c = dataCollection(slug, coll);
        List<BsonDocument> batch = new ArrayList<>(INSERT_BATCH);
        List<Integer> lines = new ArrayList<>(INSERT_BATCH);
        long n = 0;
        BundleDb.await(c.deleteMany(Filters.eq("experiment_id", slug)));
        try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            String line;
            int lineNo = 0;
            while ((line = r.readLine()) != null) {
                lineNo++;
                if (line.isBlank()) {
                    continue;
                }
                BsonDocument d = BsonDocument.parse(line);
                d.put("experiment_id", new BsonString(slug)); // never another experiment's documents
                batch.add(d);
                lines.add(lineNo);
                if (batch.size() == INSERT_BATCH) {
                    n += insert(c, coll, batch, lines);
                }
            }
        }
        if (!batch.isEmpty()) {
            n += insert(c, coll, batch, lines);
        }
        return n;
    }

    /** Inserts a batch in order; a refused document (duplicate _id or unique key) is a 409 naming its line. */
    private static int insert(ReactiveMongoCollection<BsonDocument> c, String coll, List<BsonDocument> batch, List<Integer> lines) {
        try {
            BundleDb.await(c.insertMany(batch, new InsertManyOptions().ordered(true)));
        } catch (com.mongodb.MongoBulkWriteException bad) {
            List<FieldError> errors = bad.getWriteErrors().stream().map(w -> new FieldError("data/" + coll + ".ndjson:" + lines.get(w.getIndex()),
                    w.getCategory() == com.mongodb.ErrorCategory.DUPLICATE_KEY ? "another document has the same _id or unique index key"
                            : "the database refused this document")).toList();
            throw Failure.conflict("The import's documents were refused; nothing was changed", errors);
        }
        int n = batch.size();
        batch.clear();
        lines.clear();
        return n;
    }

    /** Puts back the documents {@link #backup} saved, after removing whatever the import had inserted. */
    private void restore(String slug, String coll, Path backup) throws IOException {
        ReactiveMongoCollection<BsonDocument> c = dataCollection(slug, coll);
        BundleDb.await(c.deleteMany(Filters.eq("experiment_id", slug)));
        List<BsonDocument> batch = new ArrayList<>(INSERT_BATCH);
        try (BufferedReader r = Files.newBufferedReader(backup, StandardCharsets.UTF_8)) {
            String line;
            while ((line = r.readLine()) != null) {
                batch.add(BsonDocument.parse(line));
                if (batch.size() == INSERT_BATCH) {
                    BundleDb.await(c.insertMany(batch, new InsertManyOptions().ordered(false)));
                    batch.clear();
                }
            }
        }
        if (!batch.isEmpty()) {
            BundleDb.await(c.insertMany(batch, new InsertManyOptions().ordered(false)));
        }
    }

    /** The manifest keys of a document: engine-owned keys dropped. */
    public static Document manifestOnly(Document doc) {
        Document m = new Document();
        doc.forEach((k, v) -> {
            if (!ENGINE_KEYS.contains(k)) {
                m.put(k, v);
            }
        });
        return m;
    }

    /** Collection names the manifest declares (collections and managed_indexes). */
    public static Set<String> declaredCollections(Document manifest) {
        Set<String> names = new LinkedHashSet<>();
        if (manifest.get("collections") instanceof Document c) {
            names.addAll(c.keySet());
        }
        if (manifest.get("managed_indexes") instanceof Document m) {
            names.addAll(m.keySet());
        }
        return names;
    }

    private static Map<String, Path> dataFiles(String slug, Document manifest, Path root, List<String> files) {
        Set<String> declared = declaredCollections(manifest);
        Map<String, Path> data = new LinkedHashMap<>();
        List<FieldError> errors = new ArrayList<>();
        for (String f : files) {
            if (!f.startsWith("data/")) {
                continue;
            }
            String name = f.substring("data/".length());
            if (!name.endsWith(".ndjson") || name.contains("/")) {
                errors.add(new FieldError("data/" + name, "expected data/<collection>.ndjson"));
                continue;
            }
            String coll = name.substring(0, name.length() - ".ndjson".length());
            if (!declared.contains(coll)) {
                errors.add(new FieldError("data/" + name, "collection '" + coll + "' is not declared in the manifest of " + slug));
                continue;
            }
            data.put(coll, root.resolve(f));
        }
        if (!errors.isEmpty()) {
            throw Failure.invalid("The bundle's data files do not match its manifest", errors);
        }
        return data;
    }

    /** Full replace of the config, keyed by the version read; returns the new version. 409 on a concurrent change. */
    private long replaceConfig(String slug, Document manifest, Document bundle) {
        ReactiveMongoCollection<Document> c = mongo.collection(ExperimentConfigRepository.COLLECTION);
        Document old = BundleDb.await(c.find(Filters.eq("slug", slug), new FindOptions().limit(1)).toUni());
        Date now = new Date();
        Document doc = new Document(manifest);
        doc.put("slug", slug);
        // an existing experiment keeps the status an admin gave it (a bundle's "active" never re-activates it)
        if (old != null && old.get("status") != null) {
            doc.put("status", old.get("status"));
        } else if (!doc.containsKey("status")) {
            doc.put("status", "active");
        }
        doc.put("bundle", bundle);
        doc.put("created_at", old != null && old.get("created_at") != null ? old.get("created_at") : now);
        doc.put("updated_at", now);
        if (old == null) {
            doc.put("version", 1L);
            try {
                BundleDb.await(c.insertOne(doc));
            } catch (com.mongodb.MongoWriteException dup) {
                throw Failure.conflict("Experiment '" + slug + "' was created concurrently; retry");
            }
            return 1L;
        }
        long v = old.get("version") instanceof Number n ? n.longValue() : 0L;
        doc.put("version", v + 1);
        doc.put("_id", old.get("_id"));
        UpdateResult r = BundleDb.await(c.replaceOne(Filters.and(Filters.eq("slug", slug), versionFilter(old)), doc));
        if (r.getMatchedCount() == 0) {
            throw Failure.conflict("Experiment '" + slug + "' changed concurrently; retry");
        }
        return v + 1;
    }

    static org.bson.conversions.Bson versionFilter(Document old) {
        Object v = old.get("version");
        return v == null ? Filters.exists("version", false) : Filters.eq("version", v);
    }

    public static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
