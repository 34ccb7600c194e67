package com.modularlabs.functions;

import com.modularlabs.store.Database;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Rotation without downtime: a successor key is published before it signs, and the predecessor stays published
 * until its tokens have expired. Time is moved by editing the stored key dates (what another replica would see).
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class KeyRotationTest {
    @Inject
    Database database;

    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    SigningKeys keys;
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    private ReactiveMongoCollection<Document> coll() {
        return database.get().getCollection(SigningKeys.COLLECTION);
    }

    private static List<String> published() throws Exception {
        JsonNode jwks = JSON.readTree(given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString());
        List<String> kids = new ArrayList<>();
        jwks.path("keys").forEach(k -> kids.add(k.path("kid").asText()));
        return kids;
    }

    private String signingKid() throws Exception {
        String auth = given().contentType("application/json").body("{}").post("/experiments/t_fn/api/_functions/echo")
                .then().statusCode(200).extract().path("authorization");
        return Jwts.part(auth.substring(7), 0).path("kid").asText();
    }

    private void set(String kid, Document fields) {
        coll().updateOne(new Document("_id", kid), new Document("$set", fields)).await().atMost(Duration.ofSeconds(10));
    }

    @Test
    void aNewKeyIsPublishedBeforeUseAndTheOldOneKeptUntilItsTokensExpire() throws Exception {
        FunctionTestSupport.fake(configs, registry);
        keys.refresh().await().atMost(Duration.ofSeconds(10));
        String first = signingKid();
        String oldToken = given().contentType("application/json").body("{}").post("/experiments/t_fn/api/_functions/echo")
                .then().statusCode(200).extract().<String>path("authorization").substring(7);
        // the key has reached its rotation age: a successor is made, published, but not used yet
        coll().updateMany(new Document(), new Document("$set", new Document("created_at", new Date(System.currentTimeMillis() - Duration.ofDays(8).toMillis()))))
                .await().atMost(Duration.ofSeconds(10));
        keys.refresh().await().atMost(Duration.ofSeconds(10));
        List<String> both = published();
        assertEquals(2, both.size(), both.toString());
        String next = both.stream().filter(k -> !k.equals(first)).findFirst().orElseThrow();
        assertEquals(first, signingKid(), "the successor does not sign before its not_before");
        // its time has come: it signs, the predecessor is still published for tokens it signed
        set(next, new Document("not_before", new Date(System.currentTimeMillis() - 1000)));
        keys.refresh().await().atMost(Duration.ofSeconds(10));
        assertEquals(next, signingKid());
        JsonNode jwks = JSON.readTree(given().get("/.well-known/jwks.json").then().extract().asString());
        assertNotNull(Jwts.verify(oldToken, jwks), "a token of the previous key still verifies");
        // once every token of the predecessor has expired, it is retired
        set(next, new Document("not_before", new Date(System.currentTimeMillis() - Duration.ofHours(1).toMillis())));
        keys.refresh().await().atMost(Duration.ofSeconds(10));
        List<String> after = published();
        assertFalse(after.contains(first), after.toString());
        assertTrue(after.contains(next));
        assertNotEquals(first, next);
    }
}
