package com.modularlabs.functions;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.observability.LogCapture;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.store.Database;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A before_write trigger written by others answers hostile things: a refusal whose problem body is JSON but not an
 * object, and changed documents with names no client may store (dotted, $-prefixed inside). The client gets a 4xx
 * or 502 problem, nothing is written, nothing is logged with a stack trace.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileFunctionAnswersTest {
    @Inject
    Database database;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    @BeforeEach
    void setUp() throws Exception {
        FunctionTestSupport.fake(configs, registry);
    }

    private long stored(String marker) {
        return database.get().getCollection("t_trig_posts").countDocuments(new Document("marker", marker)).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void hostileTriggerAnswersAreProblemsAndWriteNothing() {
        try (LogCapture logs = LogCapture.of("")) {
            for (String refusal : List.of("[1]", "\"no\"", "1", "null", "true", "{\"errors\": 5, \"title\": 7}", "{\"status\": 200}")) {
                String marker = UUID.randomUUID().toString();
                Response r = given().contentType("application/json").body(Map.of("marker", marker, "refuse_with", refusal))
                        .post("/experiments/t_trig/api/posts");
                assertTrue(r.statusCode() >= 400 && r.statusCode() < 500 || r.statusCode() == 502, refusal + " answered " + r.statusCode() + ": " + r.asString());
                assertTrue(r.contentType().startsWith("application/problem+json"), refusal + ": " + r.contentType());
                assertFalse(r.asString().contains("Exception"), r.asString());
                assertEquals(0, stored(marker), "a refused write writes nothing");
            }
            for (String kind : List.of("dotted", "empty", "nested")) {
                String marker = UUID.randomUUID().toString();
                Response r = given().contentType("application/json").body(Map.of("marker", marker, "odd_names", kind))
                        .post("/experiments/t_trig/api/posts");
                assertTrue(r.statusCode() >= 400 && r.statusCode() < 500 || r.statusCode() == 502, kind + " names answered " + r.statusCode() + ": " + r.asString());
                assertTrue(r.contentType().startsWith("application/problem+json"), r.contentType());
                assertEquals(0, stored(marker), kind + " names no client may store are not stored through a trigger either");
            }
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error logged for hostile trigger answers");
        }
    }
}
