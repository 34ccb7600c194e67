package com.modularlabs.registry;

import com.modularlabs.store.Database;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.bundle.AdminLogin;
import com.modularlabs.bundle.Zips;
import com.modularlabs.store.EngineCollections;
import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9 finding 5: physical names are {@code <slug>_<coll>}; a manifest that would write into an engine
 * collection or into another experiment's collection is refused at every entry point.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class CollectionNamesTest {
    @Inject
    Database database;

    private static final Duration T = Duration.ofSeconds(30);

    @Inject
    SeedService seeds;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;
    @TempDir
    Path dir;
    String token;

    @BeforeEach
    void login() {
        token = AdminLogin.token();
    }

    static String manifest(String slug, String... collections) {
        StringBuilder c = new StringBuilder();
        for (String coll : collections) {
            c.append(c.length() == 0 ? "" : ", ").append("\"").append(coll).append("\": {\"read\": \"public\", \"create\": \"user\"}");
        }
        return "{\"name\": \"" + slug + "\", \"slug\": \"" + slug + "\", \"collections\": {" + c + "}}";
    }

    static byte[] zip(String slug, String... collections) {
        return new Zips().add("manifest.json", manifest(slug, collections)).add("static/index.html", "<h1>" + slug + "</h1>").bytes();
    }

    Response upload(String slug, byte[] zip) {
        return AdminLogin.as(token).contentType("application/zip").body(zip).post("/admin/api/experiments/" + slug + "/bundle");
    }

    Response importZip(byte[] zip) {
        return AdminLogin.as(token).contentType("application/zip").body(zip).post("/admin/api/import");
    }

    Response edit(String slug, String manifest) {
        String etag = AdminLogin.as(token).get("/admin/api/experiments/" + slug).then().statusCode(200).extract().header("ETag");
        return AdminLogin.as(token).contentType(ContentType.JSON).header("If-Match", etag).body(manifest).put("/admin/api/experiments/" + slug);
    }

    void notRegistered(String slug) {
        assertNull(configs.findBySlug(slug).await().atMost(T), slug + " must not be registered");
    }

    @Test
    void engineCollectionsAreRefusedOnUploadAndImportNamingTheCollection() {
        // casbin + rule = casbin_rule: with create "user", anyone could have granted themselves admin
        Map<String, String> hostile = Map.of("casbin", "rule", "login", "failures", "experiments", "config", "labs", "changes");
        hostile.forEach((slug, coll) -> {
            String physical = slug + "_" + coll;
            upload(slug, zip(slug, coll)).then().statusCode(400).contentType(containsString("application/problem+json"))
                    .body("errors.path", hasItem("$.collections." + coll)).body("errors.message", hasItem(containsString(physical)));
            importZip(zip(slug, coll)).then().statusCode(400).contentType(containsString("application/problem+json"))
                    .body("errors.message", hasItem(containsString(physical)));
            notRegistered(slug);
        });
        // the grants are untouched: no casbin_rule document came from an experiment
        assertEquals(0L, database.get().getCollection(EngineCollections.CASBIN_RULE)
                .countDocuments(Filters.exists("experiment_id")).await().atMost(T));
    }

    @Test
    void engineCollectionsAreRefusedOnAdminEdit() {
        upload("export", zip("export", "notes")).then().statusCode(200);
        edit("export", manifest("export", "notes", "logs")).then().statusCode(400)
                .contentType(containsString("application/problem+json")).body("errors.message", hasItem(containsString("export_logs")));
        given().get("/api/experiments/export").then().statusCode(200).body("collections.logs", org.hamcrest.Matchers.nullValue());
    }

    @Test
    void twoExperimentsCannotShareAPhysicalCollection() {
        // nmx + b_c and nmx_b + c would both be stored in nmx_b_c
        upload("nmx", zip("nmx", "b_c")).then().statusCode(200);
        upload("nmx_b", zip("nmx_b", "c")).then().statusCode(409).contentType(containsString("application/problem+json"))
                .body("errors.path", hasItem("$.collections.c")).body("errors.message", hasItem(containsString("nmx_b_c")))
                .body("errors.message", hasItem(containsString("'nmx'")));
        importZip(zip("nmx_b", "c")).then().statusCode(409);
        notRegistered("nmx_b");
        // the admin edit too: an existing experiment cannot add the colliding collection
        upload("nmx_b", zip("nmx_b", "d")).then().statusCode(200);
        edit("nmx_b", manifest("nmx_b", "d", "c")).then().statusCode(409).body("errors.message", hasItem(containsString("nmx_b_c")));
        // the owner itself keeps working with its names
        upload("nmx", zip("nmx", "b_c", "e")).then().statusCode(200);
    }

    @Test
    void concurrentUploadsOfCollidingExperimentsLetExactlyOneIn() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            for (int round = 0; round < 3; round++) {
                String a = "race" + round;
                String b = "race" + round + "_x";
                // a + x_y and a_x + y both mean race<n>_x_y
                List<Callable<Integer>> calls = List.of(() -> upload(a, zip(a, "x_y")).statusCode(), () -> upload(b, zip(b, "y")).statusCode());
                List<Integer> codes = new ArrayList<>();
                for (Future<Integer> f : pool.invokeAll(calls)) {
                    codes.add(f.get());
                }
                codes.sort(Integer::compare);
                assertEquals(List.of(200, 409), codes, "round " + round);
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void theFolderSeedLogsAndSkipsCollidingManifests() throws Exception {
        write("casbin2", "{\"name\": \"x\", \"collections\": {\"rule\": {}}}"); // fine: casbin2_rule
        write("labs", "{\"name\": \"x\", \"collections\": {\"settings\": {}}}"); // labs_settings
        write("seedq", "{\"name\": \"x\", \"collections\": {\"b_c\": {}}}");
        write("seedq_b", "{\"name\": \"x\", \"collections\": {\"c\": {}}}"); // seedq_b_c again
        SeedService.SeedReport report = seeds.seedFromFolder(dir).await().atMost(T);
        assertTrue(report.invalid().containsKey("labs"), report.invalid().toString());
        assertTrue(report.invalid().get("labs").toString().contains("labs_settings"), report.invalid().toString());
        assertTrue(report.invalid().containsKey("seedq_b"), report.invalid().toString());
        assertTrue(report.invalid().get("seedq_b").toString().contains("seedq_b_c"), report.invalid().toString());
        notRegistered("labs");
        notRegistered("seedq_b");
        assertTrue(configs.findBySlug("seedq").await().atMost(T) != null);
        assertTrue(configs.findBySlug("casbin2").await().atMost(T) != null);
    }

    @Test
    void theRegistryServesOnlyTheOlderOfTwoCollidingConfigsWrittenStraightIntoTheDatabase() {
        Document older = Document.parse(manifest("regq", "b_c")).append("status", "active").append("version", 1L)
                .append("created_at", new Date(1_000));
        Document newer = Document.parse(manifest("regq_b", "c")).append("status", "active").append("version", 1L)
                .append("created_at", new Date(2_000));
        configs.raw().insertMany(List.of(newer, older)).await().atMost(T);
        try {
            registry.reload().await().atMost(T);
            assertTrue(registry.snapshot().active("regq").isPresent());
            assertTrue(registry.snapshot().active("regq_b").isEmpty());
            assertTrue(registry.snapshot().invalid().get("regq_b").toString().contains("regq_b_c"));
            registry.reload("regq_b").await().atMost(T);
            assertTrue(registry.snapshot().active("regq_b").isEmpty(), "a single reload does not take the name over");
        } finally {
            configs.raw().deleteMany(Filters.in("slug", List.of("regq", "regq_b"))).await().atMost(T);
            registry.reload().await().atMost(T);
        }
    }

    @Test
    void aConfigWithABadSlugResolvesNoFolder() {
        configs.raw().insertOne(new Document("slug", "../../etc").append("name", "x").append("status", "active")).await().atMost(T);
        try {
            registry.reload().await().atMost(T);
            assertTrue(registry.snapshot().invalid().containsKey("../../etc"));
        } finally {
            configs.raw().deleteMany(Filters.eq("slug", "../../etc")).await().atMost(T);
            registry.reload().await().atMost(T);
        }
    }

    /** Guard: every collection in the database is an experiment's or reserved in EngineCollections (one place). */
    @Test
    void everyEngineCollectionIsListedInEngineCollections() {
        // make the engine create its lazily made collections
        given().contentType(ContentType.JSON).body(Map.of("email", "nobody-" + System.nanoTime() + "@example.com", "password", "wrong"))
                .post("/auth/token").then().statusCode(401);
        upload("guardexp", zip("guardexp", "notes")).then().statusCode(200);
        Set<String> slugs = new HashSet<>();
        configs.raw().find().map(d -> d.getString("slug")).collect().asList().await().atMost(T).forEach(slugs::add);
        List<String> names = database.get().listCollectionNames().collect().asList().await().atMost(T);
        List<String> unlisted = names.stream().filter(n -> EngineCollections.reservedBy(n).isEmpty())
                .filter(n -> slugs.stream().noneMatch(s -> n.startsWith(s + "_"))).toList();
        assertEquals(List.of(), unlisted, "collections that are neither an experiment's nor in store.EngineCollections: "
                + "add engine collections there so no manifest can claim them");
    }

    private void write(String slug, String manifest) throws Exception {
        Path d = Files.createDirectories(dir.resolve(slug));
        Files.writeString(d.resolve("manifest.json"), manifest);
    }
}
