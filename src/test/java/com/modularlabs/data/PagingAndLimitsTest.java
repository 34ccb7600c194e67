package com.modularlabs.data;

import static com.modularlabs.data.DataTestSupport.anon;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Keyset pagination under concurrent inserts; body, document, bulk and schema limits (nothing written on error). */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class PagingAndLimitsTest extends DataApiTest {

    private List<String> pageAll(String batch, String sort, boolean insertWhilePaging) {
        List<String> seen = new ArrayList<>();
        String after = null;
        int pages = 0;
        do {
            var req = anon().queryParam("filter", "{\"batch\":\"" + batch + "\"}").queryParam("limit", "7").queryParam("sort", sort);
            if (after != null) {
                req.queryParam("after", after);
            }
            JsonPath page = req.get("/experiments/t_alpha/api/items").then().statusCode(200).extract().jsonPath();
            seen.addAll(page.getList("items._id.$oid"));
            after = page.getString("next");
            if (insertWhilePaging) { // new documents on both sides of the cursor
                anon().body("[{\"batch\":\"" + batch + "\",\"n\":-1,\"late\":true},{\"batch\":\"" + batch + "\",\"n\":1000,\"late\":true}]")
                        .post("/experiments/t_alpha/api/items").then().statusCode(201);
            }
            assertTrue(++pages < 100, "paging does not end");
        } while (after != null);
        return seen;
    }

    @Test
    void everyDocumentExactlyOnceWhileInserting() {
        String batch = "p" + new ObjectId().toHexString();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 50; i++) {
            sb.append(i > 0 ? "," : "").append("{\"batch\":\"").append(batch).append("\",\"n\":").append(i % 6)
                    .append(",\"s\":\"").append((char) ('a' + i % 4)).append("\"}");
        }
        String body = sb.append("]").toString();
        List<String> original = anon().body(body).post("/experiments/t_alpha/api/items").then().statusCode(201)
                .extract().jsonPath().getList("items._id.$oid");
        assertEquals(50, original.size());
        for (String sort : new String[] {"n", "-n", "s,-n", "", "-_id"}) {
            List<String> seen = pageAll(batch, sort, true);
            Set<String> unique = new HashSet<>(seen);
            assertEquals(unique.size(), seen.size(), "a document appeared twice with sort " + sort);
            assertTrue(unique.containsAll(original), "a document was skipped with sort " + sort);
        }
        // a tampered cursor is refused
        String next = anon().queryParam("filter", "{\"batch\":\"" + batch + "\"}").queryParam("limit", "5").queryParam("sort", "n")
                .get("/experiments/t_alpha/api/items").then().statusCode(200).extract().path("next");
        assertNotNull(next);
        String payload = next.substring(0, next.indexOf('.'));
        String forged = Base64.getUrlEncoder().withoutPadding().encodeToString(
                "{\"s\":\"n,_id,\",\"v\":[100,{\"$oid\":\"000000000000000000000000\"}]}".getBytes()) + next.substring(next.indexOf('.'));
        anon().queryParam("sort", "n").queryParam("after", forged).get("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().queryParam("sort", "n").queryParam("after", payload + ".AAAA").get("/experiments/t_alpha/api/items").then().statusCode(400);
        // a cursor from another sort is refused
        anon().queryParam("sort", "-n").queryParam("after", next).get("/experiments/t_alpha/api/items").then().statusCode(400);
    }

    @Test
    void bulkOf1001IsRefusedWhole() {
        String batch = "bulk" + new ObjectId().toHexString();
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < 1001; i++) {
            sb.append(i > 0 ? "," : "").append("{\"batch\":\"").append(batch).append("\",\"i\":").append(i).append("}");
        }
        anon().body(sb.append("]").toString()).post("/experiments/t_alpha/api/items").then().statusCode(400)
                .contentType("application/problem+json");
        assertEquals(0, DataTestSupport.count("t_alpha_items", new Document("batch", batch)));
        // 1000 is fine
        sb = new StringBuilder("[");
        for (int i = 0; i < 1000; i++) {
            sb.append(i > 0 ? "," : "").append("{\"batch\":\"").append(batch).append("\",\"i\":").append(i).append("}");
        }
        anon().body(sb.append("]").toString()).post("/experiments/t_alpha/api/items").then().statusCode(201).body("count", equalTo(1000));
        anon().queryParam("filter", "{\"batch\":\"" + batch + "\"}").queryParam("count", "true").queryParam("limit", "1000")
                .get("/experiments/t_alpha/api/items").then().statusCode(200).body("count", equalTo(1000))
                .body("items", hasSize(1000)).body("next", Matchers.nullValue());
    }

    @Test
    void badBodiesAreRefusedAndNothingIsWritten() {
        long before = DataTestSupport.count("t_alpha_items", new Document());
        anon().body("{\"a\": ").post("/experiments/t_alpha/api/items").then().statusCode(400).body("errors.path", hasItem("$"));
        anon().body("42").post("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().body("\"str\"").post("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().body("{\"$oid\": \"5f0000000000000000000000\"}").post("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().body("{\"a\": {\"$date\": \"not a date\"}}").post("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().body("{\"a\": 1} {\"b\": 2}").post("/experiments/t_alpha/api/items").then().statusCode(400);
        anon().body("[{\"ok\": 1}, 5]").post("/experiments/t_alpha/api/items").then().statusCode(400).body("errors.path", hasItem("$[1]"));
        anon().body("[{\"ok\": 1}, {\"$bad\": 1}]").post("/experiments/t_alpha/api/items").then().statusCode(400)
                .body("errors.path", hasItem("$[1].$bad"));
        anon().body("{\"x\": \"" + "y".repeat(70_000) + "\"}").post("/experiments/t_alpha/api/items").then().statusCode(413);
        anon().body("{\"x\": \"" + "y".repeat(1_100_000) + "\"}").post("/experiments/t_alpha/api/items").then().statusCode(413);
        assertEquals(before, DataTestSupport.count("t_alpha_items", new Document()));
        // relaxed Extended JSON round trip
        anon().body("{\"when\": {\"$date\": \"2024-05-01T10:00:00Z\"}, \"ref\": {\"$oid\": \"5f0000000000000000000001\"}, \"big\": {\"$numberLong\": \"9007199254740993\"}}")
                .post("/experiments/t_alpha/api/items").then().statusCode(201)
                .body("when.$date", equalTo("2024-05-01T10:00:00Z")).body("ref.$oid", equalTo("5f0000000000000000000001"));
    }

    @Test
    void schemaViolationsAreListedAndNothingIsWritten() {
        long before = DataTestSupport.count("t_alpha_docs", new Document());
        anon().body("{\"title\": \"far too long a title\", \"n\": \"x\"}").post("/experiments/t_alpha/api/docs").then().statusCode(400)
                .body("errors.path", hasItem("$.title")).body("errors.path", hasItem("$.n"));
        anon().body("[{\"title\": \"ok\"}, {\"n\": 1}]").post("/experiments/t_alpha/api/docs").then().statusCode(400)
                .body("errors.path", hasItem("$[1]"));
        // the collection's own max_document_bytes (2000)
        anon().body("{\"title\": \"ok\", \"pad\": \"" + "p".repeat(2100) + "\"}").post("/experiments/t_alpha/api/docs").then().statusCode(413);
        assertEquals(before, DataTestSupport.count("t_alpha_docs", new Document()));
        anon().body("{\"title\": \"fine\", \"n\": 3}").post("/experiments/t_alpha/api/docs").then().statusCode(201);
        String id = anon().body("{\"title\": \"fine2\"}").post("/experiments/t_alpha/api/docs").then().statusCode(201).extract().path("_id.$oid");
        anon().body("{\"n\": 4}").put("/experiments/t_alpha/api/docs/" + id).then().statusCode(400).body("errors.path", hasItem("$"));
    }
}
