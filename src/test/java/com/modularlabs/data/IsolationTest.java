package com.modularlabs.data;

import static com.modularlabs.data.DataTestSupport.anon;
import static com.modularlabs.data.DataTestSupport.as;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasKey;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.FieldError;
import com.modularlabs.data.DataTestSupport.User;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Cross-experiment reads and writes all fail and change nothing. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class IsolationTest extends DataApiTest {

    private String insertGamma(String marker) {
        return anon().body("{\"marker\": \"" + marker + "\"}").post("/experiments/t_gamma/api/items")
                .then().statusCode(201).body("experiment_id", equalTo("t_gamma")).extract().path("_id.$oid");
    }

    @Test
    void pathTricksReachNothingOutsideTheExperiment() {
        insertGamma("path-trick");
        // the physical name of another experiment's collection is not a declared collection
        anon().get("/experiments/t_alpha/api/t_gamma_items").then().statusCode(404).contentType("application/problem+json");
        anon().get("/experiments/t_alpha/api/gamma_items").then().statusCode(404);
        anon().urlEncodingEnabled(false).get("/experiments/t_alpha/api/..%2F..%2Ft_gamma%2Fapi%2Fitems").then()
                .statusCode(anyOf(equalTo(400), equalTo(404)));
        anon().urlEncodingEnabled(false).get("/experiments/t_alpha/api/%2e%2e/items").then().statusCode(anyOf(equalTo(400), equalTo(404)));
        // undeclared collection: no write either
        anon().body("{\"x\":1}").post("/experiments/t_alpha/api/t_gamma_items").then().statusCode(404);
        assertEquals(0, DataTestSupport.count("t_alpha_t_gamma_items", new Document()));
        // an inactive or unknown experiment
        anon().get("/experiments/t_nope/api/items").then().statusCode(404);
        // a collection whose read level is none
        anon().get("/experiments/t_alpha/api/secret").then().statusCode(403);
    }

    @Test
    void sharedNeedsDataScopeAndIsReadOnly() {
        String id = anon().body("{\"marker\": \"shared\"}").post("/experiments/t_alpha/api/items").then().statusCode(201)
                .extract().path("_id.$oid");
        // beta has t_alpha in data_scope: may read
        anon().queryParam("filter", "{\"marker\": \"shared\"}").get("/experiments/t_beta/api/_shared/t_alpha/items").then()
                .statusCode(200).body("items._id.$oid", hasItem(id));
        // gamma has no data_scope: refused; alpha cannot read beta either
        anon().get("/experiments/t_gamma/api/_shared/t_alpha/items").then().statusCode(403);
        anon().get("/experiments/t_alpha/api/_shared/t_beta/items").then().statusCode(403);
        // no write through _shared, whatever the method
        long before = DataTestSupport.count("t_alpha_items", new Document());
        anon().body("{\"x\":1}").post("/experiments/t_beta/api/_shared/t_alpha/items").then().statusCode(anyOf(equalTo(404), equalTo(405)));
        anon().body("{\"$set\":{\"marker\":\"pwned\"}}").patch("/experiments/t_beta/api/_shared/t_alpha/items/" + id).then()
                .statusCode(anyOf(equalTo(404), equalTo(405)));
        anon().delete("/experiments/t_beta/api/_shared/t_alpha/items/" + id).then().statusCode(anyOf(equalTo(404), equalTo(405)));
        // beta's own routes never touch alpha's documents
        anon().body("{\"$set\":{\"marker\":\"pwned\"}}").patch("/experiments/t_beta/api/items/" + id).then().statusCode(404);
        anon().delete("/experiments/t_beta/api/items/" + id).then().statusCode(404);
        assertEquals(before, DataTestSupport.count("t_alpha_items", new Document()));
        assertEquals("shared", DataTestSupport.raw("t_alpha_items", new Document("_id", new ObjectId(id))).getString("marker"));
    }

    @Test
    void filterOnAnotherExperimentIdFindsNothing() {
        insertGamma("foreign");
        // a foreign-tagged document planted in alpha's own physical collection (g.nome's shared-db leftovers)
        DataTestSupport.insertRaw("t_alpha_items", List.of(new Document("experiment_id", "t_gamma").append("marker", "planted")));
        anon().queryParam("filter", "{\"experiment_id\": \"t_gamma\"}").get("/experiments/t_alpha/api/items").then()
                .statusCode(200).body("items", hasSize(0));
        anon().queryParam("filter", "{\"$or\": [{\"experiment_id\": \"t_gamma\"}, {\"marker\": \"planted\"}]}")
                .get("/experiments/t_alpha/api/items").then().statusCode(200).body("items", hasSize(0));
        anon().queryParam("filter", "{\"experiment_id\": {\"$ne\": \"t_alpha\"}}").queryParam("count", "true")
                .get("/experiments/t_alpha/api/items").then().statusCode(200).body("count", equalTo(0));
        // and the planted document cannot be changed or deleted through alpha
        Document planted = DataTestSupport.raw("t_alpha_items", new Document("marker", "planted"));
        String pid = planted.getObjectId("_id").toHexString();
        anon().get("/experiments/t_alpha/api/items/" + pid).then().statusCode(404);
        anon().body("{\"$set\":{\"marker\":\"x\"}}").patch("/experiments/t_alpha/api/items/" + pid).then().statusCode(404);
        anon().body("{\"marker\":\"x\"}").put("/experiments/t_alpha/api/items/" + pid).then().statusCode(404);
        anon().delete("/experiments/t_alpha/api/items/" + pid).then().statusCode(404);
        assertEquals("planted", DataTestSupport.raw("t_alpha_items", new Document("_id", planted.get("_id"))).getString("marker"));
    }

    @Test
    void engineFieldsCannotBeSetOrChanged() {
        User alice = DataTestSupport.user("alice");
        String id = as(alice).body("{\"marker\":\"stamp\", \"experiment_id\":\"t_gamma\", \"created_by\":\"mallory\","
                + " \"created_at\": {\"$date\": \"2000-01-01T00:00:00Z\"}}").post("/experiments/t_alpha/api/items")
                .then().statusCode(201).body("experiment_id", equalTo("t_alpha")).body("created_by", equalTo(alice.id()))
                .extract().path("_id.$oid");
        Document stored = DataTestSupport.raw("t_alpha_items", new Document("_id", new ObjectId(id)));
        assertEquals("t_alpha", stored.getString("experiment_id"));
        assertEquals(alice.id(), stored.getString("created_by"));
        assertTrue(stored.getDate("created_at").getTime() > 1_600_000_000_000L);

        for (String[] bad : new String[][] {
                {"{\"$set\": {\"experiment_id\": \"t_gamma\"}}", "$.$set.experiment_id"},
                {"{\"$unset\": {\"created_by\": \"\"}}", "$.$unset.created_by"},
                {"{\"$set\": {\"created_at.x\": 1}}", "$.$set.created_at.x"},
                {"{\"$set\": {\"_id\": 5}}", "$.$set._id"},
                {"{\"$rename\": {\"experiment_id\": \"e\"}}", "$.$rename"},
                {"{\"$setOnInsert\": {\"experiment_id\": \"t_gamma\"}}", "$.$setOnInsert"},
                {"{\"marker\": \"replace-through-patch\"}", "$.marker"},
                {"{\"$set\": {\"ok\": {\"$where\": 1}}}", "$.$set.ok.$where"}}) {
            anon().body(bad[0]).patch("/experiments/t_alpha/api/items/" + id).then().statusCode(400)
                    .contentType("application/problem+json").body("errors.path", hasItem(bad[1]));
        }
        Document after = DataTestSupport.raw("t_alpha_items", new Document("_id", new ObjectId(id)));
        assertEquals(stored, after);
        // PUT keeps the engine fields whatever the body says
        anon().body("{\"marker\":\"replaced\", \"experiment_id\":\"t_gamma\", \"created_by\":\"mallory\"}")
                .put("/experiments/t_alpha/api/items/" + id).then().statusCode(200).body("experiment_id", equalTo("t_alpha"))
                .body("$", not(hasKey("created_by"))); // kept, but not shown to a reader who is not the author

        Document replaced = DataTestSupport.raw("t_alpha_items", new Document("_id", new ObjectId(id)));
        assertEquals("t_alpha", replaced.getString("experiment_id"));
        assertEquals(alice.id(), replaced.getString("created_by"));
        assertEquals(stored.getDate("created_at"), replaced.getDate("created_at"));
        assertEquals("replaced", replaced.getString("marker"));
        // a legal PATCH sets updated_at
        anon().body("{\"$inc\": {\"n\": 2}, \"$push\": {\"tags\": \"a\"}}").patch("/experiments/t_alpha/api/items/" + id).then()
                .statusCode(200).body("n", equalTo(2)).body("tags", hasItem("a")).body("experiment_id", equalTo("t_alpha"));
    }

    @Test
    void upsertIsStampedWithSetOnInsert() {
        User bob = DataTestSupport.user("bob");
        String id = new ObjectId().toHexString();
        as(bob).body("{\"$set\": {\"marker\": \"upserted\"}}").queryParam("upsert", "true")
                .patch("/experiments/t_alpha/api/items/" + id).then().statusCode(200)
                .body("experiment_id", equalTo("t_alpha")).body("created_by", equalTo(bob.id()));
        Document d = DataTestSupport.raw("t_alpha_items", new Document("_id", new ObjectId(id)));
        assertEquals("t_alpha", d.getString("experiment_id"));
        assertTrue(d.containsKey("created_at") && d.containsKey("updated_at"));
    }

    @Test
    void lookupIntoForeignCollectionIsRefusedAtLoad() {
        List<FieldError> errors = registry.snapshot().invalid().get("t_bad_lookup");
        assertTrue(errors != null && errors.stream().anyMatch(e -> e.path().equals("$.queries.steal.pipeline[0].$lookup.from")), String.valueOf(errors));
        assertTrue(registry.snapshot().find("t_bad_lookup").isEmpty());
        List<FieldError> stages = registry.snapshot().invalid().get("t_bad_stages");
        assertTrue(stages.stream().anyMatch(e -> e.path().equals("$.queries.q.pipeline[0].$match.$where")), String.valueOf(stages));
        assertTrue(stages.stream().anyMatch(e -> e.path().equals("$.queries.q.pipeline[1].$lookup.from")), String.valueOf(stages));
        assertTrue(stages.stream().anyMatch(e -> e.path().equals("$.queries.q.pipeline[2].$out")), String.valueOf(stages));
        anon().get("/experiments/t_bad_lookup/api/_queries/steal").then().statusCode(404);
        // an unknown param on a valid query is refused
        anon().queryParam("color", "red").queryParam("evil", "1").get("/experiments/t_alpha/api/_queries/byColor").then()
                .statusCode(400).body("errors.path", hasItem("evil"));
    }

    @Test
    void idsAreValidated() {
        anon().get("/experiments/t_alpha/api/items/" + "x".repeat(201)).then().statusCode(400);
        anon().get("/experiments/t_alpha/api/items/" + new ObjectId().toHexString()).then().statusCode(404)
                .body("status", equalTo(404)).body("errors", nullValue());
        assertNull(null);
    }
}
