package com.modularlabs.data;

import static com.modularlabs.data.DataTestSupport.anon;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.Failure;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** PATCH and PUT results are checked against the collection's JSON Schema and size limit; no lost updates. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class UpdateCheckTest extends DataApiTest {

    private static Document stored(String id) {
        return DataTestSupport.raw("t_alpha_docs", new Document("_id", new ObjectId(id)));
    }

    @Test
    void patchResultMustSatisfyTheSchemaAndSize() {
        String id = anon().body("{\"title\":\"ok\",\"n\":1}").post("/experiments/t_alpha/api/docs").then().statusCode(201)
                .extract().path("_id.$oid");
        String base = "/experiments/t_alpha/api/docs/" + id;
        anon().body("{\"$set\":{\"title\":\"much too long\"}}").patch(base).then().statusCode(400).body("errors.path", hasItem("$.title"));
        anon().body("{\"$set\":{\"n\":\"seven\"}}").patch(base).then().statusCode(400).body("errors.path", hasItem("$.n"));
        anon().body("{\"$unset\":{\"title\":\"\"}}").patch(base).then().statusCode(400);
        anon().body("{\"$inc\":{\"n\":0.5}}").patch(base).then().statusCode(400).body("errors.path", hasItem("$.n"));
        anon().body("{\"$inc\":{\"title\":1}}").patch(base).then().statusCode(400).body("errors.path", hasItem("$.$inc.title"));
        anon().body("{\"$set\":{\"pad\":\"" + "x".repeat(2500) + "\"}}").patch(base).then().statusCode(413);
        anon().body("{\"$push\":{\"list\":{\"$each\":[\"" + "y".repeat(1000) + "\",\"" + "z".repeat(1000) + "\",\"w\"]}}}").patch(base)
                .then().statusCode(413);
        Document d = stored(id);
        assertEquals("ok", d.getString("title"));
        assertEquals(1, ((Number) d.get("n")).intValue());
        assertTrue(!d.containsKey("pad") && !d.containsKey("list"), d.toJson());
        // valid updates still work, and the stored document is the checked one
        anon().body("{\"$inc\":{\"n\":2},\"$set\":{\"title\":\"fine\",\"meta.a\":1},\"$push\":{\"tags\":{\"$each\":[\"b\",\"a\"],\"$sort\":1}}}")
                .patch(base).then().statusCode(200).body("n", equalTo(3)).body("title", equalTo("fine")).body("meta.a", equalTo(1))
                .body("tags", equalTo(List.of("a", "b"))).body("experiment_id", equalTo("t_alpha"));
        d = stored(id);
        assertEquals(3, ((Number) d.get("n")).intValue());
        assertEquals(List.of("a", "b"), d.get("tags"));
        // upsert: the new document is checked too
        String fresh = new ObjectId().toHexString();
        anon().queryParam("upsert", "true").body("{\"$set\":{\"n\":1}}").patch("/experiments/t_alpha/api/docs/" + fresh).then()
                .statusCode(400).body("errors.message", hasItem(Matchers.containsString("title")));
        assertEquals(0, DataTestSupport.count("t_alpha_docs", new Document("_id", new ObjectId(fresh))));
    }

    @Test
    void putResultMustSatisfyTheSchemaAndSize() {
        String id = anon().body("{\"title\":\"put\"}").post("/experiments/t_alpha/api/docs").then().statusCode(201).extract().path("_id.$oid");
        String base = "/experiments/t_alpha/api/docs/" + id;
        anon().body("{\"title\":\"much too long\"}").put(base).then().statusCode(400).body("errors.path", hasItem("$.title"));
        anon().body("{\"n\":1}").put(base).then().statusCode(400);
        anon().body("{\"title\":\"t\",\"pad\":\"" + "x".repeat(2500) + "\"}").put(base).then().statusCode(413);
        assertEquals("put", stored(id).getString("title"));
        anon().body("{\"title\":\"t2\",\"n\":5}").put(base).then().statusCode(200).body("n", equalTo(5));
    }

    @Test
    void concurrentPatchesNeverLoseAnUpdate() throws Exception {
        String id = anon().body("{\"title\":\"race\",\"n\":0}").post("/experiments/t_alpha/api/docs").then().statusCode(201)
                .extract().path("_id.$oid");
        String base = "/experiments/t_alpha/api/docs/" + id;
        ExecutorService pool = Executors.newFixedThreadPool(8);
        List<Future<Integer>> results = new ArrayList<>();
        for (int i = 0; i < 24; i++) {
            results.add(pool.submit(() -> anon().body("{\"$inc\":{\"n\":1}}").patch(base).then().extract().statusCode()));
        }
        int ok = 0;
        for (Future<Integer> f : results) {
            int status = f.get();
            assertTrue(status == 200 || status == 409, "status " + status);
            ok += status == 200 ? 1 : 0;
        }
        pool.shutdown();
        assertTrue(ok >= 1);
        assertEquals(ok, ((Number) stored(id).get("n")).intValue(), "every 200 is counted exactly once, every 409 wrote nothing");
    }

    @Test
    void evaluatorFollowsMongoSemantics() {
        Document d = Document.parse("{\"a\": {\"b\": 1}, \"arr\": [1, 2, 3, 2], \"objs\": [{\"k\": 1, \"v\": \"x\"}, {\"k\": 2, \"v\": \"y\"}],"
                + " \"i\": 2147483647, \"s\": [\"a\"]}");
        Document r = UpdateEval.apply(d, Document.parse("{\"$set\": {\"a.c.d\": true, \"objs.1.v\": \"z\"}, \"$inc\": {\"i\": 1, \"new\": 5},"
                + " \"$pull\": {\"arr\": {\"$gte\": 3}}, \"$addToSet\": {\"s\": {\"$each\": [\"a\", \"b\"]}},"
                + " \"$push\": {\"q\": {\"$each\": [3, 1, 2], \"$sort\": -1, \"$slice\": 2}}, \"$unset\": {\"a.b\": 1}}"));
        assertEquals(Document.parse("{\"c\": {\"d\": true}}"), r.get("a"));
        assertEquals("z", ((Document) ((List<?>) r.get("objs")).get(1)).get("v"));
        assertEquals(2147483648L, r.get("i"));
        assertEquals(5, r.get("new"));
        assertEquals(List.of(1, 2, 2), r.get("arr"));
        assertEquals(List.of("a", "b"), r.get("s"));
        assertEquals(List.of(3, 2), r.get("q"));
        assertEquals(1, ((Document) d.get("a")).get("b"), "the input is not modified");
        Document p = UpdateEval.apply(d, Document.parse("{\"$pull\": {\"objs\": {\"k\": {\"$in\": [1]}}}, \"$set\": {\"objs.$[].w\": 0}}"));
        assertEquals(List.of(Document.parse("{\"k\": 2, \"v\": \"y\", \"w\": 0}")), p.get("objs"));
        assertThrows(Failure.class, () -> UpdateEval.apply(d, Document.parse("{\"$push\": {\"i\": 1}}")));
        assertThrows(Failure.class, () -> UpdateEval.apply(d, Document.parse("{\"$set\": {\"i.x\": 1}}")));
        assertThrows(Failure.class, () -> UpdateEval.apply(d, Document.parse("{\"$set\": {\"arr.$\": 1}}")));
        Document pos = UpdateEval.apply(d, Document.parse("{\"$push\": {\"arr\": {\"$each\": [9], \"$position\": 0}}}"));
        assertEquals(List.of(9, 1, 2, 3, 2), pos.get("arr"));
    }
}
