package com.modularlabs.bundle;

import com.modularlabs.audit.AuditLog;
import com.modularlabs.registry.ConfigSecrets;
import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.IndexContributor;
import com.modularlabs.store.StoreOutage;
import com.modularlabs.common.Failure;
import com.modularlabs.common.Workers;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.RootResolver;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.IndexOptions;
import com.mongodb.client.model.Indexes;
import com.mongodb.client.model.Sorts;
import com.mongodb.client.model.Updates;
import io.micrometer.core.instrument.Counter;
import io.quarkus.mongodb.AggregateOptions;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.quarkus.scheduler.Scheduled;
import io.smallrye.mutiny.infrastructure.Infrastructure;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitOption;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.security.DigestOutputStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.EncoderContext;
import org.bson.codecs.RawBsonDocumentCodec;
import org.bson.conversions.Bson;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriter;
import org.bson.json.JsonWriterSettings;
import org.bson.types.ObjectId;
import org.jboss.logging.Logger;

/**
 * Export jobs (seed item 6). The job lives in {@code export_logs} (so any replica answers status and download):
 * queued → running (documents, bytes, percent updated as it goes) → done (file_size, sha256, storage_key) or
 * failed. The ZIP is streamed into storage as it is produced (documents one by one from a batched cursor, each as a
 * line of canonical Extended JSON v2; see {@link BundleStorage#upload}) and committed when complete. Only documents with
 * {@code experiment_id = slug} of the collections the manifest declares are exported.
 */
@ApplicationScoped
public class ExportService implements IndexContributor {
    private static final Logger LOG = Logger.getLogger(ExportService.class);
    public static final String LOGS = EngineCollections.EXPORT_LOGS;
    /**
     * Cursor batch: ~1 MiB of 1 KiB documents per round trip. The documents buffered while a young collection runs
     * are copied or promoted: 2,000 (~2 MiB, more than a small heap's survivor space) promoted a batch to the old
     * generation again and again (+56-71 MiB heap in a 100 MiB export against +8-10 MiB with 1,000, same time).
     */
    static final int BATCH = 1000;
    static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).indent(true).build();

    @Inject
    BundleDb mongo;
    @Inject
    BundleStorage storage;
    @Inject
    BundleConfig config;
    @Inject
    ExperimentRegistry registry;
    @Inject
    RootResolver roots;
    @Inject
    AuditLog audit;

    private Counter bytesCounter;
    private Timer durationTimer;

    @Inject
    void metrics(MeterRegistry meters) {
        bytesCounter = Counter.builder("labs.export.bytes").baseUnit("bytes").description("Bytes of export ZIPs written").register(meters);
        durationTimer = Timer.builder("labs.export.duration").description("Export job durations").register(meters);
    }

    ReactiveMongoCollection<Document> logs() {
        return mongo.collection(LOGS);
    }

    /** Queues an export of {@code slug}; returns the job document. Blocking (worker thread). */
    public Document start(String slug, String userEmail) {
        Workers.assertNotOnEventLoop("Queueing an export");
        Document cfg = BundleDb.await(mongo.collection(ExperimentConfigRepository.COLLECTION).find(Filters.eq("slug", slug),
                new FindOptions().limit(1)).toUni());
        if (cfg == null) {
            throw Failure.notFound("No experiment '" + slug + "'");
        }
        Date now = new Date();
        Document job = new Document("_id", new ObjectId()).append("slug_id", slug).append("export_type", "bundle")
                .append("user_email", userEmail).append("status", "queued").append("documents", 0L).append("bytes", 0L)
                .append("percent", 0).append("created_at", now)
                .append("owner", OWNER).append("heartbeat_at", now).append("lease_until", leaseEnd(now))
                .append("expires_at", Date.from(now.toInstant().plus(config.exportTtl())));
        BundleDb.await(logs().insertOne(job));
        Infrastructure.getDefaultWorkerPool().execute(() -> run(job.getObjectId("_id"), slug, cfg));
        return job;
    }

    public Document find(String id) {
        if (!ObjectId.isValid(id)) {
            throw Failure.notFound("No export '" + id + "'");
        }
        Document d = BundleDb.await(logs().find(Filters.eq("_id", new ObjectId(id)), new FindOptions().limit(1)).toUni());
        if (d == null) {
            throw Failure.notFound("No export '" + id + "'");
        }
        return d;
    }

    /** Recent exports of one experiment: served by {slug_id:1, created_at:-1}. */
    public List<Document> history(String slug, int limit) {
        return BundleDb.list(logs().find(Filters.eq("slug_id", slug), new FindOptions().sort(Sorts.descending("created_at")).limit(limit)
                .batchSize(limit).projection(new Document("slug_id", 1).append("status", 1).append("user_email", 1).append("file_size", 1)
                        .append("sha256", 1).append("documents", 1).append("created_at", 1).append("expires_at", 1).append("error", 1))));
    }

    /** Export counts of the given slugs only: $match on the {slug_id, created_at} index, then $group (seed item 8). */
    public Map<String, Integer> counts(List<String> slugs) {
        Map<String, Integer> counts = new LinkedHashMap<>();
        if (slugs.isEmpty()) {
            return counts;
        }
        List<Bson> pipeline = List.of(new Document("$match", new Document("slug_id", new Document("$in", slugs))),
                new Document("$group", new Document("_id", "$slug_id").append("count", new Document("$sum", 1))));
        BundleDb.list(logs().aggregate(pipeline, new AggregateOptions().batchSize(Math.max(1, slugs.size()))))
                .forEach(d -> counts.put(String.valueOf(d.get("_id")), ((Number) d.get("count")).intValue()));
        return counts;
    }

    /** {slug_id, created_at} is a core index (CoreIndexes); the expiry sweep needs expires_at. */
    @Override
    public io.smallrye.mutiny.Uni<Void> ensureIndexes() {
        return logs().createIndex(Indexes.ascending("expires_at"), new IndexOptions().name("expires_at")).replaceWithVoid();
    }

    /** This process, as the owner of the export jobs it runs (a restarted replica is a new owner). */
    static final String OWNER = ownerName();

    static String ownerName() {
        String host = System.getenv().getOrDefault("HOSTNAME", "local");
        return host + "/" + ProcessHandle.current().pid() + "/" + new ObjectId().toHexString().substring(16);
    }

    private Date leaseEnd(Date now) {
        return Date.from(now.toInstant().plus(config.exportLease()));
    }

    /**
     * Export leases: every replica renews the leases of the jobs it runs (heartbeat), and marks failed, with the
     * reason, any queued or running job whose lease ran out (its replica was killed or is stuck), so no job stays
     * "running 41 %" forever. g.nome's log rows carry no status and are left alone.
     */
    @Scheduled(every = "${labs.bundle.export-lease-check:10s}", delayed = "5s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void leases() {
        try {
            Date now = new Date();
            BundleDb.await(logs().updateMany(Filters.and(Filters.eq("owner", OWNER), Filters.in("status", "queued", "running")),
                    Updates.combine(Updates.set("heartbeat_at", now), Updates.set("lease_until", leaseEnd(now)))));
            Bson expired = Filters.and(Filters.in("status", "queued", "running"), Filters.or(Filters.lt("lease_until", now),
                    Filters.and(Filters.exists("lease_until", false), Filters.lt("created_at", Date.from(now.toInstant().minus(config.exportLease()))))));
            try (Stream<Document> cur = BundleDb.stream(mongo.driver().getCollection(LOGS).find(expired).batchSize(100), 100)) {
                for (Document d : (Iterable<Document>) cur::iterator) {
                    Object beat = d.get("heartbeat_at") != null ? d.get("heartbeat_at") : d.get("created_at");
                    String reason = "Interrupted at " + d.get("percent", 0) + " %: the replica running it (" + d.get("owner", "unknown")
                            + ") stopped renewing its lease (last heartbeat " + (beat instanceof Date t ? t.toInstant() : "never")
                            + "); start a new export";
                    long n = BundleDb.await(logs().updateOne(Filters.and(Filters.eq("_id", d.get("_id")), expired), Updates.combine(Updates.set("status", "failed"),
                            Updates.set("error", reason), Updates.set("finished_at", now)))).getModifiedCount();
                    if (n > 0) {
                        LOG.warnf("Export %s of %s marked failed: %s", d.get("_id"), d.get("slug_id"), reason);
                    }
                }
            }
        } catch (RuntimeException e) {
            // during an outage StoreOutage has already said so once
            LOG.logf(StoreOutage.isOutage(e) ? org.jboss.logging.Logger.Level.DEBUG : org.jboss.logging.Logger.Level.WARN, "Export lease check failed: %s", StoreOutage.brief(e));
        }
    }

    /** Size of the UTF-8 buffer between the JSON writer and the ZIP entry (the deflater's input per call). */
    static final int JSON_BUFFER = 64 * 1024;
    /** Blocks of JSON_BUFFER waiting for the deflating thread: 256 KiB of slack between the two threads. */
    static final int HANDOFF_DEPTH = 4;
    private static final RawBsonDocumentCodec RAW = new RawBsonDocumentCodec();
    private static final EncoderContext ENCODE = EncoderContext.builder().build();

    void run(ObjectId id, String slug, Document cfg) {
        long start = System.nanoTime();
        try {
            BundleDb.await(logs().updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("status", "running"), Updates.set("started_at", new Date()))));
            Path root = registry.snapshot().find(slug).map(Experiment::root)
                    .orElseGet(() -> roots.resolve(slug, cfg).await().atMost(Duration.ofSeconds(60)));
            Document manifest = BundleService.manifestOnly(cfg);
            List<String> colls = new ArrayList<>(BundleService.declaredCollections(manifest));
            long total = 0;
            for (String c : colls) {
                total += BundleDb.await(mongo.collection(EngineCollections.physical(slug, c)).countDocuments(Filters.eq("experiment_id", slug)));
            }
            String key = "exports/" + slug + "/" + id.toHexString() + ".zip";
            Map<String, String> sums = new LinkedHashMap<>();
            long docs = 0;
            long lastReport = System.nanoTime();
            DigestOutputStream whole;
            CountingOutputStream counted;
            long written;
            // ZIP -> 64 KiB buffer (the deflater writes 512-byte pieces) -> byte count -> sha256 of the file -> storage,
            // which stores it while it is produced (GridFS chunks; S3 stages a temp file); nothing visible before commit
            try (BundleStorage.Upload upload = storage.upload(key);
                    DigestOutputStream sha = new DigestOutputStream(upload.out(), BundleService.sha256());
                    CountingOutputStream count = new CountingOutputStream(sha);
                    ZipOutputStream out = new ZipOutputStream(new BufferedOutputStream(count, 64 * 1024), StandardCharsets.UTF_8)) {
                whole = sha;
                counted = count;
                // level 1: JSON lines deflate about 3x faster than at the default level 6, for a slightly larger ZIP
                out.setLevel(Deflater.BEST_SPEED);
                // the digest of each entry's uncompressed bytes, for checksums.sha256 (digest() resets it for the next)
                DigestOutputStream entry = new DigestOutputStream(out, BundleService.sha256());
                out.putNextEntry(new ZipEntry("manifest.json"));
                Document exported = ConfigSecrets.redact(manifest); // no signed URLs or keys in exports
                exported.put("slug", slug);
                entry.write(exported.toJson(RELAXED).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
                sums.put("manifest.json", hex(entry));

                for (String folder : List.of("static", "seed")) {
                    for (Path f : files(root.resolve(folder))) {
                        String name = folder + "/" + root.resolve(folder).relativize(f).toString().replace('\\', '/');
                        out.putNextEntry(new ZipEntry(name));
                        try (InputStream in = Files.newInputStream(f)) {
                            in.transferTo(entry);
                        }
                        out.closeEntry();
                        sums.put(name, hex(entry));
                    }
                }
                for (String c : colls) {
                    String name = "data/" + c + ".ndjson";
                    out.putNextEntry(new ZipEntry(name));
                    // this thread reads, encodes and digests the JSON; another deflates and stores it (closing waits for it)
                    HandoffOutputStream handoff = new HandoffOutputStream(out, JSON_BUFFER, HANDOFF_DEPTH, Infrastructure.getDefaultWorkerPool());
                    Utf8Out w = new Utf8Out(new DigestOutputStream(handoff, entry.getMessageDigest()), JSON_BUFFER);
                    // natural order: a sort would make MongoDB sort the whole collection (memory limit, no index).
                    // Raw BSON straight from the wire, encoded as JSON into the entry: no Document, no String per line.
                    var find = mongo.driver().getCollection(EngineCollections.physical(slug, c), RawBsonDocument.class)
                            .find(Filters.eq("experiment_id", slug)).batchSize(BATCH);
                    try (handoff; Stream<RawBsonDocument> cur = BundleDb.stream(find, BATCH)) {
                        for (RawBsonDocument d : (Iterable<RawBsonDocument>) cur::iterator) {
                            RAW.encode(new JsonWriter(w, CANONICAL), d, ENCODE);
                            w.write('\n');
                            docs++;
                            if (System.nanoTime() - lastReport > 500_000_000L) {
                                w.flush();
                                progress(id, docs, counted.count(), total);
                                lastReport = System.nanoTime();
                            }
                        }
                        w.close(); // flushes into the handoff; the entry stays open
                    }
                    out.closeEntry();
                    sums.put(name, hex(entry));
                }
                out.putNextEntry(new ZipEntry("audit.ndjson")); // the admin actions on this experiment (labs_audit)
                for (Document a : audit.forExport(slug, 10_000)) {
                    entry.write((a.toJson(CANONICAL) + "\n").getBytes(StandardCharsets.UTF_8));
                }
                out.closeEntry();
                sums.put("audit.ndjson", hex(entry));
                out.putNextEntry(new ZipEntry("README.md"));
                entry.write(readme(slug, colls).getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
                sums.put("README.md", hex(entry));

                StringBuilder sb = new StringBuilder();
                sums.forEach((n, h) -> sb.append(h).append("  ").append(n).append('\n'));
                out.putNextEntry(new ZipEntry("checksums.sha256"));
                out.write(sb.toString().getBytes(StandardCharsets.UTF_8));
                out.closeEntry();
                out.finish(); // the central directory
                out.flush(); // down to the upload: the byte count and the digest are complete
                written = System.nanoTime();
                upload.commit();
            }
            long stored = System.nanoTime();
            long size = counted.count();
            String sha = hex(whole);
            bytesCounter.increment(size);
            BundleDb.await(logs().updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("status", "done"), Updates.set("documents", docs),
                    Updates.set("bytes", size), Updates.set("percent", 100), Updates.set("file_size", size), Updates.set("sha256", sha),
                    Updates.set("storage_key", key), Updates.set("finished_at", new Date()))));
            LOG.infof("Export %s of %s done: %d documents, %d bytes in %d ms (ZIP written in %d ms, stored in %d ms after that)", id, slug, docs, size,
                    (System.nanoTime() - start) / 1_000_000, (written - start) / 1_000_000, (stored - written) / 1_000_000);
        } catch (Throwable e) {
            LOG.warnf(e, "Export %s of %s failed", id, slug);
            try {
                BundleDb.await(logs().updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("status", "failed"),
                        Updates.set("error", e.getClass().getSimpleName() + ": " + e.getMessage()), Updates.set("finished_at", new Date()))));
            } catch (RuntimeException again) {
                LOG.warnf("Export %s could not be marked failed (its lease will): %s", id, StoreOutage.brief(again));
            }
        } finally {
            durationTimer.record(System.nanoTime() - start, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
    }

    /** Hex of the stream's digest so far; resets it. */
    static String hex(DigestOutputStream d) {
        return HexFormat.of().formatHex(d.getMessageDigest().digest());
    }

    private void progress(ObjectId id, long docs, long bytes, long total) {
        int percent = total == 0 ? 99 : (int) Math.min(99, docs * 100 / total);
        BundleDb.await(logs().updateOne(Filters.eq("_id", id), Updates.combine(Updates.set("documents", docs), Updates.set("bytes", bytes),
                Updates.set("percent", percent))));
    }

    /** Regular files under {@code dir}, sorted; links are not followed and dot-files are skipped. */
    static List<Path> files(Path dir) throws IOException {
        if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
            return List.of();
        }
        try (Stream<Path> s = Files.walk(dir, 32, new FileVisitOption[0])) {
            return s.filter(p -> Files.isRegularFile(p, LinkOption.NOFOLLOW_LINKS))
                    .filter(p -> !dir.relativize(p).toString().startsWith(".") && !p.getFileName().toString().startsWith("."))
                    .sorted().toList();
        }
    }

    static String readme(String slug, List<String> colls) {
        return """
                # Export of experiment `%s`

                Made by Modular Labs on %s. Contents:

                - `manifest.json`: the experiment's manifest (its config without engine fields)
                - `static/`, `seed/`: its front-end and seed files
                - `data/<collection>.ndjson`: this experiment's documents, one per line, in canonical MongoDB Extended JSON v2
                  (collections: %s; stored as `%s_<collection>`)
                - `checksums.sha256`: check with `sha256sum -c checksums.sha256`

                ## Run it standalone with Modular Labs

                1. Restore into any Modular Labs instance (it needs only a MongoDB, or none: it starts an embedded store):
                   `curl -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/zip' --data-binary @this.zip http://HOST/admin/api/import`
                   This restores the manifest, the files and the documents (ObjectIds, dates, decimals and binaries intact).
                2. Or unpack it as a folder: `mkdir -p experiments/%s && unzip this.zip -d experiments/%s`, then start the
                   service with `LABS_EXPERIMENTS_DIR=./experiments java -jar quarkus-run.jar` and load the data with
                   `mongoimport` below. Open `http://localhost:8080/experiments/%s/`.

                ## Load the data with mongoimport

                    for f in data/*.ndjson; do c=$(basename "$f" .ndjson); mongoimport --uri "$MONGO_URI" --db labs_db --collection "%s_$c" --file "$f"; done
                """.formatted(slug, Instant.now(), colls.isEmpty() ? "none" : String.join(", ", colls), slug, slug, slug, slug, slug);
    }

    /** Deletes expired exports' files (exports are kept labs.bundle.export-ttl, 24 h by default). */
    @Scheduled(every = "${labs.bundle.export-sweep:10m}", delayed = "30s", concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sweep() {
        int n = 0;
        try (Stream<Document> cur = BundleDb.stream(mongo.driver().getCollection(LOGS)
                .find(Filters.and(Filters.lt("expires_at", new Date()), Filters.ne("status", "expired"))).batchSize(100), 100)) {
            for (Document d : (Iterable<Document>) cur::iterator) {
                if (d.getString("storage_key") != null) {
                    storage.delete(d.getString("storage_key"));
                }
                BundleDb.await(logs().updateOne(Filters.eq("_id", d.get("_id")), Updates.set("status", "expired")));
                n++;
            }
        } catch (RuntimeException e) {
            // during an outage StoreOutage has already said so once
            LOG.logf(StoreOutage.isOutage(e) ? org.jboss.logging.Logger.Level.DEBUG : org.jboss.logging.Logger.Level.WARN, "Export cleanup failed: %s", StoreOutage.brief(e));
        }
        if (n > 0) {
            LOG.infof("Deleted %d expired exports", n);
        }
    }
}
