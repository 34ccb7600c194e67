package com.modularlabs.registry;

import com.modularlabs.common.FieldError;
import com.modularlabs.common.Workers;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Startup seeding from experiments/ (seed items 1a, 2, 5): the folder scan and manifest reads run on worker
 * threads in parallel; then ONE find({slug: {$in: [...]}}) projected to slug and ONE unordered insertMany for the
 * new ones (their collection names claimed together, {@link CollectionClaims#claimAll}). An experiment already in the database is never touched by its folder (g.nome flipped draft back to
 * active on every restart; that undid admins' decisions).
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
                .onItem().transformToMulti(dirs -> Multi.createFrom().iterable(dirs))
                .onItem().transformToUni(d -> Workers.run(() -> readCandidate(d))).merge(config.concurrency())
                .collect().asList()
                .chain(candidates -> {
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
                    if (valid.isEmpty()) {
                        return Uni.createFrom().item(new SeedReport(candidates.size(), 0, 0, invalid, Duration.ZERO));
                    }
                    List<String> slugs = valid.stream().map(Candidate::slug).toList();
                    return configs.existingSlugs(slugs).chain(existing -> {
                        Date now = new Date();
                        List<Candidate> fresh = valid.stream().filter(c -> !existing.contains(c.slug()))
                                .sorted(java.util.Comparator.comparing(Candidate::slug)).toList();
                        // all claims in a few round trips, in slug order: of two folders whose stored names collide, the first wins
                        Map<String, Document> manifests = new java.util.LinkedHashMap<>();
                        fresh.forEach(c -> manifests.put(c.slug(), c.manifest()));
                        return claims.claimAll(manifests)
                                .map(conflicts -> fresh.stream().filter(c -> {
                                    List<FieldError> errs = conflicts.getOrDefault(c.slug(), List.of());
                                    if (errs.isEmpty()) {
                                        return true;
                                    }
                                    invalid.put(c.slug(), errs);
                                    LOG.errorf("Experiment folder %s is not registered: %s", c.slug(), errs);
                                    return false;
                                }).map(c -> toConfig(c, now)).toList())
                                .chain(docs -> configs.insertNew(docs))
                                .map(n -> new SeedReport(candidates.size(), n,
                                        (int) valid.stream().filter(c -> existing.contains(c.slug())).count(), invalid, Duration.ZERO));
                    });
                })
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

    private static Document toConfig(Candidate c, Date now) {
        Document doc = new Document(c.manifest());
        doc.put("slug", c.slug());
        doc.putIfAbsent("status", Experiment.ACTIVE); // a folder's experiment is active unless it says otherwise
        doc.put("version", 1L);
        doc.put("created_at", now);
        doc.put("updated_at", now);
        return doc;
    }

    static List<Path> listExperimentDirs(Path dir) throws IOException {
        Workers.assertNotOnEventLoop("Scanning the experiments folder");
        if (!Files.isDirectory(dir)) {
            LOG.warnf("Experiments folder %s does not exist; nothing to seed", dir.toAbsolutePath());
            return List.of();
        }
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(p -> {
                String n = p.getFileName().toString();
                return !n.startsWith("_") && !n.startsWith(".") && Files.isRegularFile(p.resolve("manifest.json"));
            }).sorted().toList();
        }
    }

    private Candidate readCandidate(Path d) {
        Workers.assertNotOnEventLoop("Reading a manifest");
        String slug = d.getFileName().toString();
        Document manifest;
        try {
            manifest = Document.parse(Files.readString(d.resolve("manifest.json"), StandardCharsets.UTF_8));
        } catch (IOException | RuntimeException e) {
            return new Candidate(slug, null, List.of(new FieldError("$", "manifest.json is not a readable JSON object: " + e.getMessage())));
        }
        return new Candidate(slug, manifest, validator.validate(slug, manifest));
    }
}
