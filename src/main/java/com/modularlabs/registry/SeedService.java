package com.modularlabs.registry;

import com.modularlabs.common.FieldError;
import com.modularlabs.common.Workers;
import com.mongodb.client.model.Filters;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.NotDirectoryException;
import java.nio.file.Path;
import java.time.Duration;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.jboss.logging.Logger;

/**
 * Startup seeding from experiments/ (seed items 1a, 2, 5): the folder scan and manifest reads run on worker
 * threads in parallel; ONE find({slug: {$in: [...]}}) projected to slug (while the manifests are read) and ONE
 * unordered insertMany for the new ones, beside their collection names' claims ({@link CollectionClaims#plan}):
 * a fixed number of round trips whatever the number of folders. An experiment already in the database is never
 * touched by its folder (g.nome flipped draft back to active on every restart; that undid admins' decisions).
 */
@ApplicationScoped
public class SeedService {
    private static final Logger LOG = Logger.getLogger(SeedService.class);

    public record SeedReport(int found, int inserted, int existing, Map<String, List<FieldError>> invalid, Duration took) {
    }

    private record Candidate(String slug, Document manifest, List<FieldError> errors) {
    }

    private final ManifestValidator validator;
    private final ExperimentConfigRepository configs;
    private final RegistryConfig config;
    private final Timer seedTimer;
    @jakarta.inject.Inject
    CollectionClaims claims;
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    /** CPU the manifest reads used, summed over their threads, for the debug breakdown. */
    private final AtomicLong readCpuNanos = new AtomicLong();
    private volatile SeedReport lastReport = new SeedReport(0, 0, 0, Map.of(), Duration.ZERO);

    public SeedService(ManifestValidator validator, ExperimentConfigRepository configs, RegistryConfig config, MeterRegistry registry) {
        this.validator = validator;
        this.configs = configs;
        this.config = config;
        this.seedTimer = Timer.builder("labs.seed.duration").description("Seeding experiments_config from the experiments folder")
                .register(registry);
    }

    public SeedReport lastReport() {
        return lastReport;
    }

    public Uni<SeedReport> seedFromFolder() {
        return seedFromFolder(Path.of(config.experimentsDir()));
    }

    public Uni<SeedReport> seedFromFolder(Path dir) {
        long start = System.nanoTime();
        return Workers.run(() -> listExperimentDirs(dir))
                .invoke(dirs -> LOG.debugf("Seed: %d entries listed in %d ms", dirs.size(), (System.nanoTime() - start) / 1_000_000))
                .chain(dirs -> seed(dirs))
                .map(r -> {
                    Duration took = Duration.ofNanos(System.nanoTime() - start);
                    seedTimer.record(took);
                    SeedReport report = new SeedReport(r.found(), r.inserted(), r.existing(), r.invalid(), took);
                    lastReport = report;
                    LOG.infof("Seeded experiments from %s: %d found, %d new, %d already registered, %d invalid, in %d ms",
                            dir, r.found(), r.inserted(), r.existing(), r.invalid().size(), took.toMillis());
                    return report;
                });
    }

    /**
     * The existing-slug lookup needs only the folder names, so it runs while the manifests are read and validated
     * (one worker task per core, each over a contiguous slice, instead of one task per folder). Then the claims'
     * lookups, then the claims' insertMany and the configs' insertMany side by side: claims and configs are
     * different collections, so a store works on both at once. An experiment whose name another experiment
     * claimed between our lookup and our insert (a concurrent upload on another replica) loses as before; its
     * config, written beside the claims, is deleted again by _id ({@link #dropLosers}).
     */
    private Uni<SeedReport> seed(List<Path> dirs) {
        if (dirs.isEmpty()) {
            return Uni.createFrom().item(new SeedReport(0, 0, 0, Map.of(), Duration.ZERO));
        }
        int slices = Math.max(1, Math.min(dirs.size(), Math.min(config.concurrency(), Runtime.getRuntime().availableProcessors())));
        List<Uni<List<Candidate>>> reads = new ArrayList<>();
        for (int i = 0; i < slices; i++) {
            List<Path> slice = dirs.subList(i * dirs.size() / slices, (i + 1) * dirs.size() / slices);
            reads.add(Workers.run(() -> {
                long cpu = THREADS.getCurrentThreadCpuTime();
                List<Candidate> out = slice.stream().map(this::readCandidate).filter(java.util.Objects::nonNull).toList();
                readCpuNanos.addAndGet(THREADS.getCurrentThreadCpuTime() - cpu);
                return out;
            }));
        }
        long t0 = System.nanoTime();
        CompletableFuture<List<List<Candidate>>> readsAhead = Uni.join().all(reads).andFailFast().subscribeAsCompletionStage();
        // sent once the reads run: encoding a 1000-name query on this thread first would delay them (~10 ms cold)
        List<String> names = dirs.stream().map(d -> d.getFileName().toString()).toList();
        CompletableFuture<Set<String>> existingAhead = configs.existingSlugs(names).subscribeAsCompletionStage();
        return Uni.createFrom().completionStage(readsAhead).chain(parts -> {
            LOG.debugf("Seed: %d manifests read, parsed and validated in %d ms (%d ms CPU on %d threads)", dirs.size(),
                    (System.nanoTime() - t0) / 1_000_000, readCpuNanos.getAndSet(0) / 1_000_000, slices);
            List<Candidate> candidates = parts.stream().flatMap(List::stream).toList();
            Map<String, List<FieldError>> invalid = new TreeMap<>();
            List<Candidate> valid = new ArrayList<>();
            for (Candidate c : candidates) {
                if (c.errors().isEmpty()) {
                    valid.add(c);
                } else {
                    invalid.put(c.slug(), c.errors());
                    LOG.errorf("Invalid manifest experiments/%s/manifest.json, not registered: %s", c.slug(), c.errors());
                }
            }
            return Uni.createFrom().completionStage(existingAhead).chain(existing -> {
                List<Candidate> fresh = valid.stream().filter(c -> !existing.contains(c.slug()))
                        .sorted(Comparator.comparing(Candidate::slug)).toList();
                int already = valid.size() - fresh.size();
                if (fresh.isEmpty()) {
                    return Uni.createFrom().item(new SeedReport(candidates.size(), 0, already, invalid, Duration.ZERO));
                }
                // all claims in a few round trips, in slug order: of two folders whose stored names collide, the first wins
                Map<String, Document> manifests = new LinkedHashMap<>();
                fresh.forEach(c -> manifests.put(c.slug(), c.manifest()));
                long t1 = System.nanoTime();
                return claims.plan(manifests).chain(plan -> {
                    long t2 = System.nanoTime();
                    LOG.debugf("Seed: existing slugs and claim owners known %d ms after the reads", (t2 - t1) / 1_000_000);
                    Date now = new Date();
                    List<Document> docs = new ArrayList<>();
                    for (Candidate c : fresh) {
                        List<FieldError> errs = plan.conflicts().getOrDefault(c.slug(), List.of());
                        if (errs.isEmpty()) {
                            docs.add(toConfig(c, now));
                        } else {
                            invalid.put(c.slug(), errs);
                            LOG.errorf("Experiment folder %s is not registered: %s", c.slug(), errs);
                        }
                    }
                    return Uni.combine().all().unis(plan.commit(), configs.insertNew(docs)).asTuple()
                            .invoke(() -> LOG.debugf("Seed: %d claims and configs written in %d ms", docs.size(), (System.nanoTime() - t2) / 1_000_000))
                            .chain(t -> dropLosers(t.getItem1(), docs, invalid).map(dropped -> t.getItem2() - dropped))
                            .invoke(() -> validator.seeded(docs.stream().filter(d -> !invalid.containsKey(d.getString("slug"))).toList()))
                            .map(n -> new SeedReport(candidates.size(), n, already, invalid, Duration.ZERO));
                });
            });
        });
    }

    /** Deletes the configs (by the _id this insert gave them) of experiments that lost a name race; returns how many. */
    private Uni<Integer> dropLosers(Map<String, List<FieldError>> lost, List<Document> docs, Map<String, List<FieldError>> invalid) {
        if (lost.isEmpty()) {
            return Uni.createFrom().item(0);
        }
        lost.forEach((slug, errs) -> {
            invalid.put(slug, errs);
            LOG.errorf("Experiment folder %s is not registered: %s", slug, errs);
        });
        List<Object> ids = docs.stream().filter(d -> lost.containsKey(d.getString("slug"))).map(d -> d.get("_id")).toList();
        return configs.raw().deleteMany(Filters.in("_id", ids)).map(r -> (int) r.getDeletedCount());
    }

    private static Document toConfig(Candidate c, Date now) {
        Document doc = new Document(c.manifest());
        doc.putIfAbsent("_id", new ObjectId()); // known before the insert, for dropLosers
        doc.put("slug", c.slug());
        doc.putIfAbsent("status", Experiment.ACTIVE); // a folder's experiment is active unless it says otherwise
        doc.put("version", 1L);
        doc.put("created_at", now);
        doc.put("updated_at", now);
        return doc;
    }

    /**
     * The entries that may be experiment folders (not starting with _ or .), sorted; whether one holds a manifest.json
     * is learned by reading it ({@link #readCandidate}), not by a stat of each here (one system call per folder less).
     */
    static List<Path> listExperimentDirs(Path dir) throws IOException {
        Workers.assertNotOnEventLoop("Scanning the experiments folder");
        if (!Files.isDirectory(dir)) {
            LOG.warnf("Experiments folder %s does not exist; nothing to seed", dir.toAbsolutePath());
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith("_") && !n.startsWith(".");
            }).sorted().toList();
        }
    }

    /** The folder's manifest, read, parsed and validated; null when the entry has no manifest.json file (not an experiment). */
    private Candidate readCandidate(Path d) {
        Workers.assertNotOnEventLoop("Reading a manifest");
        String slug = d.getFileName().toString();
        Path file = d.resolve("manifest.json");
        ManifestValidator.Parsed parsed;
        try {
            parsed = validator.parse(Files.readAllBytes(file));
        } catch (NoSuchFileException | NotDirectoryException absent) {
            return null;
        } catch (IOException | RuntimeException e) {
            if (!Files.isRegularFile(file)) {
                return null; // e.g. a directory named manifest.json
            }
            return new Candidate(slug, null, List.of(new FieldError("$", "manifest.json is not a readable JSON object: " + e.getMessage())));
        }
        return new Candidate(slug, parsed.manifest(), validator.validate(slug, parsed.manifest(), parsed.json()));
    }
}
