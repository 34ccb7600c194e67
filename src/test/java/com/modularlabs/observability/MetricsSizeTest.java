package com.modularlabs.observability;

import static io.restassured.RestAssured.given;

import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Issue 10: /q/metrics stays small with many experiments. 100 experiments, each with traffic on its own
 * collection (insert, list, get, a named query, a 404), then one scrape: at most 150 KiB, while the per-collection
 * MongoDB latency series and the per-route HTTP histogram are still there.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestProfile(MetricsSizeTest.FreshInstance.class)
class MetricsSizeTest {
    /** A service instance of its own, so the scrape holds this test's 100 experiments, not the rest of the suite. */
    public static class FreshInstance implements QuarkusTestProfile {
    }

    static final int EXPERIMENTS = 100;
    static final int LIMIT_BYTES = 150 * 1024;

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    @Test
    void scrapeStaysBoundedWithAHundredExperiments() {
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < EXPERIMENTS; i++) {
            String slug = String.format("msz_%03d", i);
            docs.add(Document.parse("""
                    {"name": "Metrics size", "status": "active",
                     "collections": {"items": {"read": "public", "create": "public"}},
                     "queries": {"all": {"collection": "items", "read": "public", "pipeline": [{"$match": {}}]}}}""")
                    .append("slug", slug).append("version", 1L).append("created_at", new Date()).append("updated_at", new Date()));
        }
        configs.raw().insertMany(docs).await().atMost(Duration.ofSeconds(30));
        registry.reload().await().atMost(Duration.ofSeconds(30));

        for (int i = 0; i < EXPERIMENTS; i++) {
            String base = String.format("/experiments/msz_%03d/api", i);
            Object rawId = given().contentType(ContentType.JSON).body(Map.of("n", i)).post(base + "/items")
                    .then().statusCode(201).extract().path("_id");
            String id = rawId instanceof Map<?, ?> m ? String.valueOf(m.get("$oid")) : String.valueOf(rawId);
            given().get(base + "/items?limit=5").then().statusCode(200);
            given().get(base + "/items/" + id).then().statusCode(200);
            given().get(base + "/_queries/all").then().statusCode(200);
            given().get(base + "/items/000000000000000000000000").then().statusCode(404);
        }

        String body = Management.management().get("/q/metrics").then().statusCode(200).extract().asString();
        int bytes = body.getBytes(StandardCharsets.UTF_8).length;
        long mongoBuckets = body.lines().filter(l -> l.startsWith("mongodb_driver_commands_seconds_bucket")).count();
        try { // kept for a look at what grew (target/metrics-scrape.txt)
            Files.writeString(Path.of("target/metrics-scrape.txt"), body);
        } catch (IOException ignored) {
            // only a diagnostic
        }
        if (bytes > LIMIT_BYTES) {
            throw new AssertionError("/q/metrics is " + bytes / 1024 + " KiB with " + EXPERIMENTS + " experiments (limit "
                    + LIMIT_BYTES / 1024 + " KiB); MongoDB command bucket lines: " + mongoBuckets);
        }
        // per-collection latency is kept (count and sum per data command and collection); the collections beyond
        // labs.metrics.max-collections are counted as "_other"
        if (body.lines().noneMatch(l -> l.startsWith("mongodb_driver_commands_seconds_sum") && l.contains("command=\"insert\"")
                && (l.contains("collection=\"msz_") || l.contains("collection=\"_other\"")))) {
            throw new AssertionError("no per-collection MongoDB latency series for the new experiments");
        }
        // the latency alert's histogram is still there
        if (body.lines().noneMatch(l -> l.startsWith("http_server_requests_seconds_bucket") && l.contains("le=\"0.5\""))) {
            throw new AssertionError("http_server_requests_seconds has no 0.5 s bucket");
        }
    }
}
