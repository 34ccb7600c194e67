package com.modularlabs.bench;

import com.modularlabs.observability.MongoCommandMetrics;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.SeedService;
import com.modularlabs.store.Database;
import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Benchmark (a) of issue 2, not a test: seeding N manifests with the engine's batched SeedService beside a naive
 * g.nome-style loop (for each folder: read the manifest, find_one by slug, insert one), in the same process against
 * the same wire-protocol server. Each manifest declares one collection, so the engine also claims its name (the naive
 * loop does not: g.nome had no claims). Commands are counted on experiments_config and labs_collection_claims. "first
 * run" is the engine's first seeding of that size in this JVM (the app's own start seeded experiments/ before).
 * Prints a markdown table and writes bench/results/seed.md. Run: bench/run.sh seed.
 */
@QuarkusTest
@TestProfile(SeedBench.NoFeed.class)
@QuarkusTestResource(value = MongoTestResource.class, restrictToAnnotatedClass = true)
class SeedBench {
    /** At startup seeding runs before the change feed is subscribed; keep it that way here, for both variants. */
    public static class NoFeed implements QuarkusTestProfile {
        @Override
        public java.util.Map<String, String> getConfigOverrides() {
            return java.util.Map.of("labs.change-feed.enabled", "false");
        }
    }

    private static final Duration T = Duration.ofMinutes(5);
    private static final int RUNS = Integer.getInteger("bench.runs", 5);

    @Inject
    SeedService seeds;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    MongoCommandMetrics commands;
    @Inject
    Database database;

    record Sample(long nanos, long commands) {
    }

    @Test
    void seeding() throws Exception {
        StringBuilder table = new StringBuilder("| manifests | engine: first run ms | engine: median wall ms | engine: commands | naive: median wall ms | naive: commands |\n|---:|---:|---:|---:|---:|---:|\n");
        for (int n : new int[] {10, 100, 1000}) {
            Path dir = Files.createTempDirectory("seedbench");
            for (int i = 0; i < n; i++) {
                Path d = Files.createDirectories(dir.resolve(String.format("bench%04d", i)));
                Files.writeString(d.resolve("manifest.json"), "{\"name\": \"Bench " + i + "\", \"description\": \"seed benchmark\", \"data_scope\": [\"self\"], "
                        + "\"collections\": {\"items\": {\"read\": \"public\", \"create\": \"public\"}}}");
            }
            List<Sample> engine = new ArrayList<>();
            List<Sample> naive = new ArrayList<>();
            for (int r = 0; r < RUNS; r++) {
                clear();
                long c0 = seedCommands();
                long t0 = System.nanoTime();
                seeds.seedFromFolder(dir).await().atMost(T);
                engine.add(new Sample(System.nanoTime() - t0, seedCommands() - c0));
                clear();
                c0 = seedCommands();
                t0 = System.nanoTime();
                naiveSeed(dir);
                naive.add(new Sample(System.nanoTime() - t0, seedCommands() - c0));
            }
            table.append(String.format(Locale.ROOT, "| %d | %.1f | %.1f | %d | %.1f | %d |%n", n, engine.get(0).nanos() / 1e6, medianMs(engine), engine.get(0).commands(),
                    medianMs(naive), naive.get(0).commands()));
        }
        clear();
        String out = "Seeding benchmark (" + RUNS + " runs each, median)\n\n" + table;
        System.out.println(out);
        Path results = Path.of(System.getProperty("bench.results", "bench/results"));
        Files.createDirectories(results);
        Files.writeString(results.resolve("seed.md"), out, StandardCharsets.UTF_8);
    }

    /** What g.nome did (main.py:1042-1109): one folder at a time, a blocking read, a find_one and an insert each. */
    private void naiveSeed(Path dir) throws IOException {
        List<Path> dirs;
        try (Stream<Path> s = Files.list(dir)) {
            dirs = s.sorted().toList();
        }
        for (Path d : dirs) {
            String slug = d.getFileName().toString();
            Document manifest = Document.parse(Files.readString(d.resolve("manifest.json")));
            Document existing = configs.raw().find(Filters.eq("slug", slug)).collect().first().await().atMost(T);
            if (existing == null) {
                manifest.put("slug", slug);
                manifest.putIfAbsent("status", "active");
                manifest.put("created_at", new Date());
                configs.raw().insertOne(manifest).await().atMost(T);
            }
        }
    }

    /** Commands on the two collections seeding writes: configs and collection-name claims. */
    private long seedCommands() {
        return commands.commandCount(ExperimentConfigRepository.COLLECTION) + commands.commandCount(EngineCollections.COLLECTION_CLAIMS);
    }

    private void clear() {
        configs.raw().deleteMany(Filters.regex("slug", "^bench")).await().atMost(T);
        database.collection(EngineCollections.COLLECTION_CLAIMS).deleteMany(Filters.regex("slug", "^bench")).await().atMost(T);
    }

    private static double medianMs(List<Sample> s) {
        List<Long> v = s.stream().map(Sample::nanos).sorted().toList();
        return v.get(v.size() / 2) / 1e6;
    }
}
