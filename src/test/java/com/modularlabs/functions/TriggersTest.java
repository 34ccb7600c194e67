package com.modularlabs.functions;

import com.modularlabs.store.Database;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.specification.RequestSpecification;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** before_write refuses or changes (then re-validated, re-stamped); after_write delivers at least once, keeps failures. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class TriggersTest {
    @Inject
    Database database;

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    FakeFunctions fake;

    @BeforeEach
    void setUp() throws Exception {
        fake = FunctionTestSupport.fake(configs, registry);
    }

    private static RequestSpecification anon() {
        return given().contentType("application/json");
    }

    private long stored(String field, String value) {
        return database.get().getCollection("t_trig_posts").countDocuments(new Document(field, value))
                .await().atMost(Duration.ofSeconds(10));
    }

    private List<JsonNode> deliveriesOf(String marker) {
        return fake.deliveries.stream().filter(d -> marker.equals(d.path("document").path("marker").asText())).toList();
    }

    @Test
    void beforeWriteRefusalReachesTheClientAndNothingIsWritten() {
        String marker = UUID.randomUUID().toString();
        anon().body("{\"word\": \"forbidden\", \"marker\": \"" + marker + "\"}").post("/experiments/t_trig/api/posts").then()
                .statusCode(422).contentType("application/problem+json").body("title", equalTo("Refused by the experiment"))
                .body("errors.path", hasItem("$.word"));
        assertEquals(0, stored("marker", marker));
        // a bulk insert with one refused document writes none
        anon().body("[{\"marker\": \"" + marker + "\"}, {\"word\": \"forbidden\"}]").post("/experiments/t_trig/api/posts").then().statusCode(422);
        assertEquals(0, stored("marker", marker));
    }

    @Test
    void beforeWriteChangesAreRestampedAndRevalidated() {
        String id = anon().body("{\"text\": \"hi\", \"shout\": true}").post("/experiments/t_trig/api/posts").then().statusCode(201)
                .body("text", equalTo("HI")).body("checked", equalTo("insert"))
                .body("created_by", nullValue()).body("experiment_id", equalTo("t_trig"))
                .extract().path("_id.$oid");
        anon().body("{\"$set\": {\"text\": \"yo\", \"shout\": true}}").patch("/experiments/t_trig/api/posts/" + id).then().statusCode(200)
                .body("text", equalTo("YO")).body("checked", equalTo("update")).body("created_by", not(equalTo("mallory")));
        anon().body("{\"text\": \"put\", \"shout\": true}").put("/experiments/t_trig/api/posts/" + id).then().statusCode(200)
                .body("text", equalTo("PUT")).body("checked", equalTo("replace"));
        // the changed document must still satisfy the collection's schema
        anon().body("{\"breakschema\": true, \"marker\": \"schema\"}").post("/experiments/t_trig/api/posts").then().statusCode(400)
                .contentType("application/problem+json").body("errors.path", hasItem("$.n"));
        assertEquals(0, stored("marker", "schema"));
        assertEquals(0, stored("created_by", "mallory"));
    }

    @Test
    void updateAndReplaceTriggersGetTheStoredDocumentAsPrevious() {
        String marker = UUID.randomUUID().toString();
        String id = anon().body("{\"text\": \"one\", \"marker\": \"" + marker + "\"}").post("/experiments/t_trig/api/posts").then()
                .statusCode(201).extract().path("_id.$oid");
        anon().body("{\"$set\": {\"text\": \"two\"}}").patch("/experiments/t_trig/api/posts/" + id).then().statusCode(200);
        anon().body("{\"text\": \"three\", \"marker\": \"" + marker + "\"}").put("/experiments/t_trig/api/posts/" + id).then().statusCode(200);
        List<JsonNode> before = fake.befores.stream().filter(b -> marker.equals(b.path("documents").path(0).path("marker").asText())).toList();
        assertEquals(List.of("insert", "update", "replace"), before.stream().map(b -> b.path("operation").asText()).toList());
        assertTrue(before.get(0).path("previous").isNull(), "an insert has no previous document");
        assertEquals("one", before.get(1).path("previous").path("text").asText());
        assertEquals("two", before.get(2).path("previous").path("text").asText(), "a replace gets the stored document too");
        assertEquals(id, before.get(2).path("previous").path("_id").path("$oid").asText());
        Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> deliveriesOf(marker).size() >= 3);
        List<JsonNode> after = deliveriesOf(marker);
        JsonNode update = after.stream().filter(d -> d.path("operation").asText().equals("update")).findFirst().orElseThrow();
        JsonNode replace = after.stream().filter(d -> d.path("operation").asText().equals("replace")).findFirst().orElseThrow();
        assertEquals("one", update.path("previous").path("text").asText());
        assertEquals("two", replace.path("previous").path("text").asText());
        assertEquals("three", replace.path("document").path("text").asText());
    }

    @Test
    void afterWriteIsDeliveredWithAStableIdAndRetried() {
        String marker = UUID.randomUUID().toString();
        String id = anon().body("{\"marker\": \"" + marker + "\", \"flaky\": true}").post("/experiments/t_trig/api/posts").then()
                .statusCode(201).extract().path("_id.$oid");
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> deliveriesOf(marker).size() >= 3);
        List<JsonNode> calls = deliveriesOf(marker);
        String deliveryId = calls.get(0).path("delivery_id").asText();
        assertTrue(calls.stream().allMatch(c -> c.path("delivery_id").asText().equals(deliveryId)
                && c.path("header_delivery_id").asText().equals(deliveryId)), "the same delivery id on every attempt");
        assertEquals(List.of(1, 2, 3), calls.stream().map(c -> c.path("attempt").asInt()).toList());
        assertEquals("insert", calls.get(0).path("operation").asText());
        assertEquals(id, calls.get(0).path("document").path("_id").path("$oid").asText());
        // delivered: nothing left in the queue
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> database.get()
                .getCollection(TriggerService.DELIVERIES).countDocuments(new Document("_id", deliveryId)).await().atMost(Duration.ofSeconds(5)) == 0);
    }

    @Test
    void exhaustedDeliveriesAreKeptListedAndRetriedByAnAdmin() {
        String admin = FunctionTestSupport.token(FunctionTestSupport.ADMIN, FunctionTestSupport.ADMIN_PW);
        String marker = UUID.randomUUID().toString();
        fake.doomed = true;
        anon().body("{\"marker\": \"" + marker + "\", \"doomed\": true}").post("/experiments/t_trig/api/posts").then().statusCode(201);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> given().auth().oauth2(admin).get("/admin/api/triggers/failures?experiment=t_trig")
                .then().statusCode(200).extract().<List<String>>path("items.collection").size() > 0
                && deliveriesOf(marker).size() == 3);
        String deliveryId = deliveriesOf(marker).get(0).path("delivery_id").asText();
        given().auth().oauth2(admin).get("/admin/api/triggers/failures?experiment=t_trig").then().statusCode(200)
                .body("items._id", hasItem(deliveryId)).body("items.last_error", hasItem(containsString("HTTP 500")))
                .body("items.function", hasItem("notify"));
        // not for users
        String user = FunctionTestSupport.user(List.of())[1];
        given().auth().oauth2(user).get("/admin/api/triggers/failures").then().statusCode(403);
        given().auth().oauth2(user).post("/admin/api/triggers/failures/" + deliveryId + "/retry").then().statusCode(403);
        // the function is fixed; the admin retries
        fake.doomed = false;
        given().auth().oauth2(admin).post("/admin/api/triggers/failures/" + deliveryId + "/retry").then().statusCode(202);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> deliveriesOf(marker).size() == 4);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !given().auth().oauth2(admin).get("/admin/api/triggers/failures")
                .then().extract().<List<String>>path("items._id").contains(deliveryId));
        assertEquals(deliveryId, deliveriesOf(marker).get(3).path("delivery_id").asText());
        given().auth().oauth2(admin).post("/admin/api/triggers/failures/" + deliveryId + "/retry").then().statusCode(404)
                .contentType("application/problem+json");
    }

    @Test
    void deletesAreDeliveredToo() {
        String marker = UUID.randomUUID().toString();
        String id = anon().body("{\"marker\": \"" + marker + "\"}").post("/experiments/t_trig/api/posts").then().statusCode(201)
                .extract().path("_id.$oid");
        anon().delete("/experiments/t_trig/api/posts/" + id).then().statusCode(204);
        Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> fake.deliveries.stream().anyMatch(d -> "delete".equals(d.path("operation").asText())
                && id.equals(d.path("document").path("_id").path("$oid").asText())));
    }
}
