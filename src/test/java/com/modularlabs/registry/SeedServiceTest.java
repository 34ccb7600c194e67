package com.modularlabs.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.observability.MongoCommandMetrics;
import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import com.modularlabs.store.EngineCollections;
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
    @Inject
    CollectionClaims claims;

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
    void seedingManifestsWithCollectionsClaimsAllNamesInAConstantNumberOfCommands() throws Exception {
        for (int i = 0; i < 200; i++) {
            writeManifest(String.format("seedc%03d", i), "{\"name\": \"C " + i + "\", \"collections\": {\"items\": {\"read\": \"public\"}}}");
        }
        writeManifest("seedcx", "{\"name\": \"x\", \"collections\": {\"a_items\": {}}}"); // seedcx_a_items
        writeManifest("seedcx_a", "{\"name\": \"x\", \"collections\": {\"items\": {}}}"); // the same name: the first slug wins
        writeManifest("seedcy", "{\"name\": \"y\", \"collections\": {\"items\": {}, \"other\": {}}}");
        claims.claimDocs().insertOne(new Document("_id", "seedcy_items").append("slug", "someone_else")).await().atMost(T);

        long before = commands.commandCount(EngineCollections.COLLECTION_CLAIMS);
        SeedService.SeedReport report = seeds.seedFromFolder(dir).await().atMost(T);
        long used = commands.commandCount(EngineCollections.COLLECTION_CLAIMS) - before;

        assertEquals(201, report.inserted(), report.invalid().toString());
        // one read of the current owners, one insertMany (was one insert per experiment)
        assertTrue(used <= 3, "claiming 203 experiments' collections used " + used + " commands");
        assertEquals("seedc007", claims.claimDocs().find(Filters.eq("_id", "seedc007_items")).collect().first().await().atMost(T).getString("slug"));
        assertTrue(report.invalid().get("seedcx_a").toString().contains("seedcx_a_items"), report.invalid().toString());
        assertTrue(report.invalid().get("seedcy").toString().contains("someone_else"), report.invalid().toString());
        assertEquals(null, configs.findBySlug("seedcx_a").await().atMost(T));
        // the loser claimed nothing, not even its names nobody else wanted
        assertEquals(0L, claims.claimDocs().countDocuments(Filters.eq("slug", "seedcy")).await().atMost(T));
        assertEquals("seedcx", claims.claimDocs().find(Filters.eq("_id", "seedcx_a_items")).collect().first().await().atMost(T).getString("slug"));
    }

    private void writeManifest(String slug, String json) throws Exception {
        Path d = Files.createDirectories(dir.resolve(slug));
        Files.writeString(d.resolve("manifest.json"), json);
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
