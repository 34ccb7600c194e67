package com.modularlabs.registry;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.observability.MongoCommandMetrics;
import com.modularlabs.store.MongoTestResource;
import com.modularlabs.store.TestMongo;
import com.mongodb.client.model.Filters;
import com.mongodb.client.model.Updates;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import com.modularlabs.store.EngineCollections;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
    @Inject
    SeedDataLoader seedData;
    @Inject
    ManifestParser parser;

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

    @Test
    void seedDataOfManyExperimentsWritesAllMarkersInOneCommandAndSeedsEachCollectionOnce() throws Exception {
        List<Experiment> exps = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            String slug = String.format("seedd%02d", i);
            Path d = Files.createDirectories(dir.resolve(slug).resolve("seed"));
            Files.writeString(d.resolve("items.ndjson"), "{\"n\": 1}\n{\"n\": 2}\n\n{\"n\": 3}\n");
            exps.add(parser.parse(slug, Document.parse("{\"name\": \"D\", \"collections\": {\"items\": {\"read\": \"public\"}}}"), dir.resolve(slug)));
        }
        // data written before markers existed (g.nome): that collection is not seeded again
        data("seedd07_items").insertOne(new Document("experiment_id", "seedd07").append("n", 0));

        long before = commands.commandCount(EngineCollections.SEED_MARKERS);
        seedData.loadOnce(exps);
        await().atMost(T).untilAsserted(() -> {
            for (int i = 0; i < 40; i++) {
                assertEquals(i == 7 ? 1 : 3, data(String.format("seedd%02d_items", i)).countDocuments(), "seedd" + i);
            }
        });
        long used = commands.commandCount(EngineCollections.SEED_MARKERS) - before;
        // one insertMany of the 40 markers (was one insert per seeded collection)
        assertTrue(used <= 2, "seeding the data of 40 experiments used " + used + " commands on the markers");
        assertEquals(40L, TestMongo.client().getDatabase(dbName()).getCollection(EngineCollections.SEED_MARKERS)
                .countDocuments(Filters.regex("_id", "^seedd\\d\\d/items$")));

        // the next start (or a second replica) finds every marker and writes no document
        long markersBefore = commands.commandCount(EngineCollections.SEED_MARKERS);
        seedData.loadOnce(exps);
        await().atMost(T).until(() -> commands.commandCount(EngineCollections.SEED_MARKERS) > markersBefore);
        for (int i = 0; i < 40; i++) {
            assertEquals(i == 7 ? 1 : 3, data(String.format("seedd%02d_items", i)).countDocuments());
        }
    }

    @Test
    void aNameClaimedByAnotherReplicaBetweenPlanAndCommitLosesAndGivesItsOtherNamesBack() {
        Map<String, Document> manifests = new LinkedHashMap<>();
        manifests.put("seedr", Document.parse("{\"name\": \"r\", \"collections\": {\"a\": {}, \"b\": {}}}"));
        manifests.put("seeds", Document.parse("{\"name\": \"s\", \"collections\": {\"a\": {}}}"));
        CollectionClaims.ClaimPlan plan = claims.plan(manifests).await().atMost(T);
        assertEquals(List.of(), plan.conflicts().get("seedr"));
        claims.claimDocs().insertOne(new Document("_id", "seedr_b").append("slug", "elsewhere")).await().atMost(T); // the other replica

        Map<String, List<com.modularlabs.common.FieldError>> lost = plan.commit().await().atMost(T);

        assertEquals(Set.of("seedr"), lost.keySet());
        assertTrue(lost.get("seedr").toString().contains("elsewhere"), lost.toString());
        assertEquals(0L, claims.claimDocs().countDocuments(Filters.eq("slug", "seedr")).await().atMost(T), "seedr_a given back");
        assertEquals("seeds", claims.claimDocs().find(Filters.eq("_id", "seeds_a")).collect().first().await().atMost(T).getString("slug"));
    }

    private static String dbName() {
        return org.eclipse.microprofile.config.ConfigProvider.getConfig().getValue("quarkus.mongodb.database", String.class);
    }

    private static com.mongodb.client.MongoCollection<Document> data(String physical) {
        return TestMongo.client().getDatabase(dbName()).getCollection(physical);
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

    /** Only folders holding a manifest.json file count: the listing no longer checks each one, the read decides. */
    @Test
    void entriesWithoutAManifestFileAreNotExperiments() throws Exception {
        writeManifest("realone", "{\"name\": \"Real\"}");
        Files.createDirectories(dir.resolve("nomanifest").resolve("static"));
        Files.writeString(dir.resolve("README.md"), "not an experiment");
        Files.createDirectories(dir.resolve("dirmanifest").resolve("manifest.json"));
        writeManifest("_template", "{\"name\": \"Skipped: starts with _\"}");
        writeManifest("brokenone", "{\"name\": ");

        SeedService.SeedReport report = seeds.seedFromFolder(dir).await().atMost(T);
        assertEquals(2, report.found(), report.toString());
        assertEquals(1, report.inserted());
        assertEquals(Set.of("brokenone"), report.invalid().keySet());
        assertTrue(report.invalid().get("brokenone").get(0).message().startsWith("manifest.json is not a readable JSON object"));
    }
}
