package com.modularlabs.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.observability.MongoCommandMetrics;
import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.bson.Document;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class SeedServiceTest {
    private static final Duration T = Duration.ofSeconds(30);

    @Inject
    SeedService seeds;
    @Inject
    MongoCommandMetrics commands;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    @TempDir
    Path dir;

    @Test
    void seeding200ManifestsIssuesAConstantNumberOfCommandsAndSkipsTheInvalidOne() throws Exception {
        for (int i = 0; i < 200; i++) {
            Path d = Files.createDirectories(dir.resolve(String.format("seedexp%03d", i)));
            Files.writeString(d.resolve("manifest.json"), "{\"name\": \"Seed " + i + "\", \"data_scope\": [\"self\"]}");
        }
        Path bad = Files.createDirectories(dir.resolve("badexp"));
        Files.writeString(bad.resolve("manifest.json"), "{\"name\": \"\", \"status\": \"sleeping\", \"colour\": 1}");

        long before = commands.commandCount(ExperimentConfigRepository.COLLECTION);
        SeedService.SeedReport report = seeds.seedFromFolder(dir).await().atMost(T);
        long used = commands.commandCount(ExperimentConfigRepository.COLLECTION) - before;

        assertEquals(201, report.found());
        assertEquals(200, report.inserted());
        // 2 for seeding itself; the change feed may add one coalesced full reload (find + getMore)
        assertTrue(used <= 5, "seeding 200 manifests used " + used + " commands on experiments_config");
        assertTrue(report.invalid().containsKey("badexp"));
        var paths = report.invalid().get("badexp").stream().map(e -> e.path()).toList();
        assertTrue(paths.contains("$.name"), paths.toString());
        assertTrue(paths.contains("$.status"), paths.toString());
        assertTrue(paths.contains("$.colour"), paths.toString());

        // a second start finds them all and writes nothing
        before = commands.commandCount(ExperimentConfigRepository.COLLECTION);
        SeedService.SeedReport again = seeds.seedFromFolder(dir).await().atMost(T);
        assertEquals(0, again.inserted());
        assertEquals(200, again.existing());
        assertTrue(commands.commandCount(ExperimentConfigRepository.COLLECTION) - before <= 3);
        assertEquals(null, configs.findBySlug("badexp").await().atMost(T));
    }

    @Test
    void anExistingExperimentsStatusSurvivesARestart() throws Exception {
        Path d = Files.createDirectories(dir.resolve("keepdraft"));
        Files.writeString(d.resolve("manifest.json"), "{\"name\": \"Keep me\", \"status\": \"active\"}");
        seeds.seedFromFolder(dir).await().atMost(T);
        configs.raw().updateOne(Filters.eq("slug", "keepdraft"), Updates.set("status", "draft")).await().atMost(T);

        seeds.seedFromFolder(dir).await().atMost(T); // what the next start does
        Document cfg = configs.findBySlug("keepdraft").await().atMost(T);
        assertEquals("draft", cfg.getString("status"));
        registry.reload().await().atMost(T);
        assertTrue(registry.snapshot().find("keepdraft").isPresent());
        assertTrue(registry.snapshot().active("keepdraft").isEmpty());
    }
}
