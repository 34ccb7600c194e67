package com.modularlabs.registry;

import com.modularlabs.store.Database;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.observability.MongoCommandMetrics;
import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import org.bson.Document;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ExperimentRegistryTest {
    @Inject
    Database database;

    private static final Duration T = Duration.ofSeconds(30);

    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    MongoCommandMetrics commands;
    @Inject
    IndexManager indexes;

    @Test
    void cachedConfigLookupsMakeNoMongoCommands() {
        registry.reload().await().atMost(T); // fresh cache
        given().when().get("/api/experiments/click_tracker").then().statusCode(200).body("slug", equalTo("click_tracker"));
        // Ten cached lookups: an uncached lookup makes at least one command each. A stray background command on the
        // collection (another test's reload finishing) must not fail the test, so up to two are tolerated.
        long before = commands.commandCount(ExperimentConfigRepository.COLLECTION);
        for (int i = 0; i < 10; i++) {
            given().when().get("/api/experiments/click_tracker").then().statusCode(200).body("slug", equalTo("click_tracker"));
        }
        long used = commands.commandCount(ExperimentConfigRepository.COLLECTION) - before;
        assertTrue(used <= 2, "ten cached lookups made " + used + " commands on the config collection");
    }

    @Test
    void neverMoreThanThreeIndexBuildsAtOnceAndNoDuplicates() throws Exception {
        List<Document> idx = new ArrayList<>();
        for (int i = 0; i < 12; i++) {
            idx.add(new Document("name", "f" + i).append("type", "regular").append("keys", new Document("f" + i, 1)));
        }
        configs.raw().insertOne(new Document("slug", "manyindexes").append("name", "Many indexes").append("status", "active")
                .append("managed_indexes", new Document("things", idx))
                .append("collections", new Document("things", new Document("read", "public")))).await().atMost(T);
        registry.reload("manyindexes").await().atMost(T);
        registry.reload("manyindexes").await().atMost(T); // a second reload must not queue the same builds again
        // sampled while the builds run: never more than three at once
        await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(5)).until(() -> {
            assertTrue(indexes.inFlight() <= 3, "in flight: " + indexes.inFlight());
            return indexes.idle();
        });
        assertTrue(indexes.maxInFlightSeen() <= 3, "max in flight " + indexes.maxInFlightSeen());
        List<IndexManager.IndexStatus> st = indexes.status("manyindexes");
        assertEquals(12, st.size());
        assertTrue(st.stream().allMatch(s -> s.status() == IndexManager.State.ready), st.toString());
        List<Document> built =
                database.get().getCollection("manyindexes_things").listIndexes().collect().asList().await().atMost(T);
        assertTrue(built.stream().anyMatch(d -> "manyindexes_f11".equals(d.getString("name"))), built.toString());
        assertTrue(built.stream().anyMatch(d -> new Document("experiment_id", 1).equals(d.get("key"))), built.toString());
    }

    @Test
    void aChangedKeySetIsRebuilt() throws Exception {
        Document v1 = new Document("slug", "rekey").append("name", "Rekey").append("status", "active")
                .append("managed_indexes", new Document("items", List.of(new Document("name", "by_a").append("type", "regular")
                        .append("keys", List.of(List.of("a", 1))))));
        configs.raw().insertOne(v1).await().atMost(T);
        registry.reload("rekey").await().atMost(T);
        awaitIndex("rekey_items", "rekey_by_a", new Document("a", 1));
        configs.raw().updateOne(Filters.eq("slug", "rekey"), new Document("$set", new Document("managed_indexes.items.0.keys",
                List.of(List.of("a", 1), List.of("b", -1))))).await().atMost(T);
        registry.reload("rekey").await().atMost(T);
        awaitIndex("rekey_items", "rekey_by_a", new Document("a", 1).append("b", -1));
    }

    private void awaitIndex(String coll, String name, Document keys) {
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
            List<Document> found = database.get().getCollection(coll).listIndexes().collect().asList().await().atMost(T);
            assertTrue(found.stream().anyMatch(d -> name.equals(d.getString("name")) && keys.equals(d.get("key"))),
                    "index " + name + " with keys " + keys.toJson() + " not found in " + found);
        });
    }

    @Test
    void atlasOnlyIndexesAreReportedUnsupportedNotFatal() {
        configs.raw().insertOne(new Document("slug", "vectors").append("name", "Vectors").append("status", "active")
                .append("managed_indexes", new Document("docs", List.of(new Document("name", "vec").append("type", "vectorSearch")
                        .append("definition", new Document("fields", List.of(new Document("type", "vector").append("path", "v")
                                .append("numDimensions", 3).append("similarity", "cosine")))))))).await().atMost(T);
        registry.reload("vectors").await().atMost(T);
        assertTrue(registry.snapshot().active("vectors").isPresent());
        assertEquals(IndexManager.State.unsupported, indexes.status("vectors").get(0).status());
    }

    @Test
    void publicListPagesWithKeysetCursorAndGzipsLargeResponses() {
        List<Document> many = new ArrayList<>();
        for (int i = 0; i < 30; i++) {
            many.add(new Document("slug", String.format("listexp%02d", i)).append("name", "List " + i)
                    .append("description", "x".repeat(100)).append("status", "active"));
        }
        configs.raw().insertMany(many).await().atMost(T);
        registry.reload().await().atMost(T);
        String next = given().queryParam("limit", 5).when().get("/api/experiments").then().statusCode(200)
                .extract().path("next");
        assertFalse(next == null);
        given().queryParam("limit", 5).queryParam("after", next).when().get("/api/experiments").then().statusCode(200)
                .body("items[0].slug", org.hamcrest.Matchers.greaterThan(next));
        given().queryParam("limit", 501).when().get("/api/experiments").then().statusCode(400)
                .contentType(org.hamcrest.Matchers.containsString("problem+json"));
        given().header("Accept-Encoding", "gzip").queryParam("limit", 500).when().get("/api/experiments").then().statusCode(200)
                .header("Content-Encoding", "gzip");
        given().header("Accept-Encoding", "gzip").when().get("/api/experiments/click_tracker").then().statusCode(200)
                .header("Content-Encoding", org.hamcrest.Matchers.not("gzip"));
    }
}
