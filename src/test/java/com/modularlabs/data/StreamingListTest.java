package com.modularlabs.data;

import static com.modularlabs.data.DataTestSupport.anon;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Large list pages are streamed (chunked, no Content-Length) yet complete and valid; bad input is still a 400 problem. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class StreamingListTest extends DataApiTest {

    @Test
    void aPageOf1000DocumentsOf8KiBIsStreamed() {
        String batch = "big" + new ObjectId().toHexString();
        String pad = "x".repeat(8 * 1024);
        List<Document> docs = new ArrayList<>();
        for (int i = 0; i < 1005; i++) {
            docs.add(new Document("experiment_id", "t_alpha").append("batch", batch).append("i", i).append("pad", pad));
        }
        DataTestSupport.insertRaw("t_alpha_items", docs);

        Response r = anon().header("Accept-Encoding", "identity").queryParam("filter", "{\"batch\":\"" + batch + "\"}")
                .queryParam("sort", "i").queryParam("limit", "1000").queryParam("count", "true")
                .get("/experiments/t_alpha/api/items");
        assertEquals(200, r.statusCode());
        assertTrue(r.contentType().startsWith("application/json"), r.contentType());
        assertEquals("chunked", r.header("Transfer-Encoding"));
        assertNull(r.header("Content-Length"));
        assertTrue(r.asByteArray().length > 8_000_000, "about 8 MiB");
        JsonPath page = r.jsonPath();
        List<Integer> is = page.getList("items.i");
        assertEquals(1000, is.size());
        for (int i = 0; i < 1000; i++) {
            assertEquals(i, is.get(i));
        }
        assertEquals(pad, page.getString("items[999].pad"));
        assertEquals(1005, page.getInt("count"));
        String next = page.getString("next");
        assertNotNull(next);

        JsonPath rest = anon().queryParam("filter", "{\"batch\":\"" + batch + "\"}").queryParam("sort", "i").queryParam("limit", "1000")
                .queryParam("after", next).get("/experiments/t_alpha/api/items").then().statusCode(200).extract().jsonPath();
        assertEquals(List.of(1000, 1001, 1002, 1003, 1004), rest.getList("items.i"));
        assertNull(rest.getString("next"));
        List<String> all = new ArrayList<>(page.getList("items._id.$oid"));
        all.addAll(rest.getList("items._id.$oid"));
        assertEquals(1005, new HashSet<>(all).size());

        // gzip still applies to the streamed body
        anon().header("Accept-Encoding", "gzip").queryParam("filter", "{\"batch\":\"" + batch + "\"}").queryParam("limit", "1000")
                .get("/experiments/t_alpha/api/items").then().statusCode(200).header("Content-Encoding", "gzip");
        // a tiny page (one write, under the gzip threshold) is left uncompressed
        anon().header("Accept-Encoding", "gzip").queryParam("filter", "{\"batch\":\"none\"}")
                .get("/experiments/t_alpha/api/items").then().statusCode(200).header("Content-Encoding", Matchers.not("gzip"));

        // refused input is still a proper problem, decided before the first byte
        anon().queryParam("filter", "{\"batch\":{\"$where\":\"1\"}}").queryParam("limit", "1000").get("/experiments/t_alpha/api/items")
                .then().statusCode(400).contentType("application/problem+json").body("errors.path", hasItem("filter.batch.$where"));
        anon().queryParam("sort", "i").queryParam("after", "bogus.cursor").get("/experiments/t_alpha/api/items")
                .then().statusCode(400).contentType("application/problem+json");
    }
}
