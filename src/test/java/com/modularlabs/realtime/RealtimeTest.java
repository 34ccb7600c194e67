package com.modularlabs.realtime;

import com.modularlabs.bundle.Zips;
import com.modularlabs.observability.Management;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import com.modularlabs.store.Database;
import jakarta.inject.Inject;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Realtime subscriptions over HTTP with real logins (/auth/token): every read rule of the data API holds for
 * events (filter, fields, owner, none, data_scope), revocation ends streams, resume replays, limits refuse.
 * Negative checks rely on in-order delivery: a write the subscriber must not see is followed by one it must, and
 * the next event has to be the latter.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class RealtimeTest {
    static final String ADMIN = "admin@example.com";
    static final String ADMIN_PW = "test-admin-password-1";
    static final String RT = """
            {"slug": "t_rt", "name": "Realtime", "status": "active",
             "collections": {
               "items": {"read": "public", "create": "public", "update": "public", "delete": "public"},
               "notes": {"read": "owner", "create": "user", "update": "owner", "delete": "owner"},
               "secret": {"read": "none", "create": "public"}
             }}""";
    static final String READER = """
            {"slug": "t_rt_reader", "name": "Reader", "status": "active", "data_scope": ["self", "t_rt"],
             "collections": {"own": {"read": "public", "create": "public"}}}""";
    static final String OUTSIDER = """
            {"slug": "t_rt_outsider", "name": "Outsider", "status": "active",
             "collections": {"own": {"read": "public", "create": "public"}}}""";
    static final String CLOSING = """
            {"slug": "t_rt_closing", "name": "Closing", "status": "active",
             "collections": {"items": {"read": "public", "create": "public"}}}""";

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    Database database;
    @Inject
    ExperimentRegistry registry;
    @TestHTTPResource("/")
    URI base;

    private static volatile boolean ready;

    @BeforeEach
    void setUp() {
        if (ready) {
            return;
        }
        for (String json : List.of(RT, READER, OUTSIDER, CLOSING)) {
            Document d = Document.parse(json);
            configs.raw().deleteOne(new Document("slug", d.getString("slug"))).await().atMost(Duration.ofSeconds(10));
            configs.raw().insertOne(d).await().atMost(Duration.ofSeconds(10));
        }
        registry.reload().await().atMost(Duration.ofSeconds(30));
        ready = true;
    }

    static String token(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password)).post("/auth/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** A new user (through the admin API) and its bearer token; returns [email, token, id]. */
    static String[] user() {
        String email = "rt-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        String id = given().auth().oauth2(token(ADMIN, ADMIN_PW)).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "realtime-password-1", "roles", List.of()))
                .post("/admin/api/users").then().statusCode(201).extract().path("id");
        return new String[] {email, token(email, "realtime-password-1"), id};
    }

    static String insert(String slug, String coll, String json, String bearer) {
        var r = given().contentType(ContentType.JSON).body(json);
        if (bearer != null) {
            r = r.auth().oauth2(bearer);
        }
        return r.post("/experiments/" + slug + "/api/" + coll).then().statusCode(201).extract().path("_id.$oid");
    }

    static JsonPath data(SseClient.Event e) {
        return JsonPath.from(e.data());
    }

    private SseClient open(String slug, String subscribe, String bearer) throws Exception {
        SseClient c = SseClient.open(base, slug, subscribe, bearer, null);
        assertEquals(200, c.status, () -> c.body);
        assertEquals("ready", c.next().name());
        return c;
    }

    @Test
    void filterAndFieldsShapeInsertUpdateDeleteInOrder() throws Exception {
        String tag = UUID.randomUUID().toString();
        try (SseClient c = open("t_rt", "[{\"id\":\"red\",\"collection\":\"items\",\"filter\":{\"tag\":\"" + tag
                + "\",\"color\":{\"$in\":[\"red\",\"pink\"]}},\"fields\":\"color,n\"}]", null)) {
            insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"color\":\"blue\",\"n\":1}", null);
            String red = insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"color\":\"red\",\"n\":2,\"secret\":\"x\"}", null);
            SseClient.Event e = c.next();
            assertEquals("insert", e.name());
            assertEquals("red", data(e).getString("sub"));
            assertEquals(red, data(e).getString("doc._id.$oid"));
            assertEquals(2, data(e).getInt("doc.n"));
            assertNull(data(e).get("doc.secret"), "fields projects the document");
            long firstId = Long.parseLong(e.id());

            given().contentType(ContentType.JSON).body("{\"$set\":{\"color\":\"pink\"}}").patch("/experiments/t_rt/api/items/" + red)
                    .then().statusCode(200);
            e = c.next();
            assertEquals("update", e.name());
            assertEquals("pink", data(e).getString("doc.color"));
            assertTrue(Long.parseLong(e.id()) > firstId, "ids increase in commit order");

            given().contentType(ContentType.JSON).body("{\"$set\":{\"color\":\"green\"}}").patch("/experiments/t_rt/api/items/" + red)
                    .then().statusCode(200);
            e = c.next();
            assertEquals("delete", e.name(), "an update that leaves the filter removes the document from the view");
            assertEquals(red, data(e).getString("id.$oid"));

            String other = insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"color\":\"red\",\"n\":3}", null);
            assertEquals("insert", c.next().name());
            given().delete("/experiments/t_rt/api/items/" + other).then().statusCode(204);
            e = c.next();
            assertEquals("delete", e.name());
            assertEquals(other, data(e).getString("id.$oid"));
        }
    }

    @Test
    void ownerCollectionsDeliverOnlyTheCallersDocuments() throws Exception {
        String[] ann = user();
        String[] ben = user();
        try (SseClient c = open("t_rt", "[{\"collection\":\"notes\"}]", ann[1])) {
            String bens = insert("t_rt", "notes", "{\"text\":\"ben's\"}", ben[1]);
            given().auth().oauth2(ben[1]).delete("/experiments/t_rt/api/notes/" + bens).then().statusCode(204);
            String anns = insert("t_rt", "notes", "{\"text\":\"ann's\"}", ann[1]);
            SseClient.Event e = c.next();
            assertEquals("insert", e.name(), "ben's insert and delete never reach ann");
            assertEquals(anns, data(e).getString("doc._id.$oid"));
            assertEquals(ann[2], data(e).getString("doc.created_by"), "stamped with the author's stable id, shown to the author");
            given().auth().oauth2(ann[1]).delete("/experiments/t_rt/api/notes/" + anns).then().statusCode(204);
            assertEquals("delete", c.next().name());
        }
        SseClient anon = SseClient.open(base, "t_rt", "[{\"collection\":\"notes\"}]", null, null);
        assertEquals(401, anon.status);
        assertTrue(anon.body.contains("logged-in"), anon.body);
    }

    @Test
    void refusedSubscriptionsAreProblemsNamingWhatIsWrong() throws Exception {
        String[] u = user();
        assertEquals(403, SseClient.open(base, "t_rt", "[{\"collection\":\"secret\"}]", u[1], null).status);
        assertEquals(404, SseClient.open(base, "t_rt", "[{\"collection\":\"nope\"}]", null, null).status);
        assertEquals(404, SseClient.open(base, "t_nope", "[{\"collection\":\"items\"}]", null, null).status);
        given().queryParam("subscribe", "[{\"collection\":\"items\",\"filter\":{\"$where\":\"1\"}}]").accept("text/event-stream")
                .get("/experiments/t_rt/api/_realtime").then().statusCode(400).contentType("application/problem+json")
                .body("errors.path", hasItem("subscribe[0].filter.$where"));
        given().queryParam("subscribe", "[{\"collection\":\"items\",\"filter\":{\"a\":{\"$regex\":\"(a)\\\\1\"}}}]").accept("text/event-stream")
                .get("/experiments/t_rt/api/_realtime").then().statusCode(400).body("errors.path", hasItem("subscribe[0].filter.a.$regex"));
        given().queryParam("subscribe", "[" + "{\"collection\":\"items\"},".repeat(10) + "{\"collection\":\"items\"}]").accept("text/event-stream")
                .get("/experiments/t_rt/api/_realtime").then().statusCode(400).body("errors.path", hasItem("subscribe"))
                .body("errors.message", hasItem(containsString("at most 10")));
        given().queryParam("subscribe", "[{\"collection\":\"items\",\"fields\":\"a,-b\"}]").accept("text/event-stream")
                .get("/experiments/t_rt/api/_realtime").then().statusCode(400).body("errors.path", hasItem("fields"));
        given().queryParam("subscribe", "{\"collection\":\"items\"}").accept("text/event-stream")
                .get("/experiments/t_rt/api/_realtime").then().statusCode(400).body("errors.path", hasItem("subscribe"));
        given().accept("text/event-stream").get("/experiments/t_rt/api/_realtime").then().statusCode(400);
        given().queryParam("subscribe", "[{\"collection\":\"items\"}]").header("Last-Event-ID", "x").accept("text/event-stream")
                .get("/experiments/t_rt/api/_realtime").then().statusCode(400).body("errors.path", hasItem("Last-Event-ID"));
    }

    @Test
    void sharedCollectionsOnlyThroughDataScope() throws Exception {
        String tag = UUID.randomUUID().toString();
        assertEquals(403, SseClient.open(base, "t_rt_outsider", "[{\"collection\":\"items\",\"owner\":\"t_rt\"}]", null, null).status);
        try (SseClient c = open("t_rt_reader", "[{\"id\":\"theirs\",\"collection\":\"items\",\"owner\":\"t_rt\",\"filter\":{\"tag\":\""
                + tag + "\"}},{\"id\":\"mine\",\"collection\":\"own\"}]", null)) {
            String id = insert("t_rt", "items", "{\"tag\":\"" + tag + "\"}", null);
            SseClient.Event e = c.next();
            assertEquals("theirs", data(e).getString("sub"));
            assertEquals(id, data(e).getString("doc._id.$oid"));
            insert("t_rt_reader", "own", "{\"a\":1}", null);
            assertEquals("mine", data(c.next()).getString("sub"));
        }
    }

    @Test
    void deactivatingTheExperimentEndsTheStream() throws Exception {
        String admin = token(ADMIN, ADMIN_PW);
        try (SseClient c = open("t_rt_closing", "[{\"collection\":\"items\"}]", null)) {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"status\":\"inactive\"}")
                    .post("/admin/api/experiments/t_rt_closing/status").then().statusCode(200);
            SseClient.Event e = c.next();
            assertEquals("end", e.name());
            assertEquals(404, data(e).getInt("status"));
            assertEquals(SseClient.CLOSED, c.next());
        } finally {
            given().auth().oauth2(admin).contentType(ContentType.JSON).body("{\"status\":\"active\"}")
                    .post("/admin/api/experiments/t_rt_closing/status").then().statusCode(200);
        }
    }

    @Test
    void disablingTheUserEndsTheStream() throws Exception {
        String[] u = user();
        try (SseClient c = open("t_rt", "[{\"collection\":\"notes\"}]", u[1])) {
            given().auth().oauth2(token(ADMIN, ADMIN_PW)).post("/admin/api/users/" + u[2] + "/disable").then().statusCode(200);
            SseClient.Event e = c.next();
            assertEquals("end", e.name());
            assertEquals("unauthorized", data(e).getString("reason"));
            assertEquals(SseClient.CLOSED, c.next());
        }
    }

    @Test
    void concurrentWritesArriveOnceEachInIdOrder() throws Exception {
        // grouped appends, the in-process fast path and the poll all deliver these: none lost, none twice, ids ascending
        String tag = UUID.randomUUID().toString();
        int n = 60;
        try (SseClient c = open("t_rt", "[{\"collection\":\"items\",\"filter\":{\"tag\":\"" + tag + "\"},\"fields\":\"n\"}]", null)) {
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(12);
            try {
                List<java.util.concurrent.Future<String>> done = new ArrayList<>();
                for (int i = 0; i < n; i++) {
                    int k = i;
                    done.add(pool.submit(() -> insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"n\":" + k + "}", null)));
                }
                for (var f : done) {
                    f.get(60, java.util.concurrent.TimeUnit.SECONDS);
                }
            } finally {
                pool.shutdownNow();
            }
            java.util.Set<Integer> seen = new java.util.HashSet<>();
            long last = -1;
            for (int i = 0; i < n; i++) {
                SseClient.Event e = c.next();
                assertEquals("insert", e.name(), e::toString);
                assertTrue(seen.add(data(e).getInt("doc.n")), () -> "delivered twice: " + e);
                long id = Long.parseLong(e.id());
                assertTrue(id > last, "ids ascend: " + last + " then " + id);
                last = id;
            }
            assertEquals(n, seen.size());
            // nothing else follows: the next event is the one written now
            insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"n\":-1}", null);
            assertEquals(-1, data(c.next()).getInt("doc.n"));
        }
    }

    @Test
    void entriesOfAnotherReplicaArriveThroughThePollInNumberOrder() throws Exception {
        // another replica's writes reach this one only through the log: reserve two numbers, store them out of order
        String tag = UUID.randomUUID().toString();
        var db = database.get();
        try (SseClient c = open("t_rt", "[{\"collection\":\"items\",\"filter\":{\"tag\":\"" + tag + "\"},\"fields\":\"n\"}]", null)) {
            Document counter = db.getCollection("labs_event_seq").findOneAndUpdate(new Document("_id", "seq"),
                    new Document("$inc", new Document("n", 2L)), new com.mongodb.client.model.FindOneAndUpdateOptions().upsert(true)
                            .returnDocument(com.mongodb.client.model.ReturnDocument.AFTER)).await().atMost(Duration.ofSeconds(10));
            long second = ((Number) counter.get("n")).longValue();
            java.util.function.BiFunction<Long, Integer, Document> entry = (seq, n) -> new Document("_id", seq).append("ts", new java.util.Date())
                    .append("slug", "t_rt").append("coll", "items").append("op", "insert").append("id", new org.bson.types.ObjectId())
                    .append("owner", null).append("doc", new Document("_id", new org.bson.types.ObjectId()).append("tag", tag).append("n", n));
            db.getCollection("labs_events").insertMany(List.of(entry.apply(second, 2), entry.apply(second - 1, 1)))
                    .await().atMost(Duration.ofSeconds(10));
            SseClient.Event one = c.next();
            assertEquals(1, data(one).getInt("doc.n"), one::toString);
            assertEquals(Long.toString(second - 1), one.id());
            SseClient.Event two = c.next();
            assertEquals(2, data(two).getInt("doc.n"), two::toString);
            assertEquals(Long.toString(second), two.id());
            // and a local write after them comes after them
            insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"n\":3}", null);
            SseClient.Event three = c.next();
            assertEquals(3, data(three).getInt("doc.n"));
            assertTrue(Long.parseLong(three.id()) > second);
        }
    }

    @Test
    void anImportWithDataTellsSubscribersOfThoseCollectionsToReload() throws Exception {
        String slug = "t_rt_import";
        String manifest = "{\"name\": \"Imported\", \"slug\": \"" + slug + "\", \"status\": \"active\", \"collections\": {"
                + "\"items\": {\"read\": \"public\", \"create\": \"public\"}, \"other\": {\"read\": \"public\", \"create\": \"public\"}}}";
        String admin = token(ADMIN, ADMIN_PW);
        java.util.function.Function<Zips, Integer> importZip = z -> given().auth().oauth2(admin)
                .contentType("application/zip").body(z.bytes()).post("/admin/api/import").then().extract().statusCode();
        assertEquals(200, importZip.apply(new Zips().add("manifest.json", manifest).add("static/index.html", "i")));
        try (SseClient c = open(slug, "[{\"id\":\"it\",\"collection\":\"items\"},{\"id\":\"ot\",\"collection\":\"other\"}]", null)) {
            assertEquals(200, importZip.apply(new Zips().add("manifest.json", manifest).add("static/index.html", "i")
                    .add("data/items.ndjson", "{\"_id\": \"imported\"}\n")));
            SseClient.Event e = c.next();
            assertEquals("reset", e.name(), e::toString);
            assertEquals("it", data(e).getString("sub"));
            assertEquals("items", data(e).getString("collection"));
            assertTrue(Long.parseLong(e.id()) > 0, "a reset has an id like any event (resume continues after it)");
            // "other" had no data file: no reset for it; the next event is the insert made now
            insert(slug, "other", "{\"n\":1}", null);
            SseClient.Event next = c.next();
            assertEquals("insert", next.name(), next::toString);
            assertEquals("ot", data(next).getString("sub"));
        }
    }

    @Test
    void resumesFromLastEventIdWithoutLoss() throws Exception {
        String tag = UUID.randomUUID().toString();
        String sub = "[{\"collection\":\"items\",\"filter\":{\"tag\":\"" + tag + "\"}}]";
        String last;
        try (SseClient c = open("t_rt", sub, null)) {
            insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"n\":1}", null);
            SseClient.Event e = c.next();
            assertEquals(1, data(e).getInt("doc.n"));
            last = e.id();
        }
        insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"n\":2}", null);
        insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"n\":3}", null);
        try (SseClient c = SseClient.open(base, "t_rt", sub, null, last)) {
            assertEquals(200, c.status);
            SseClient.Event ready = c.next();
            assertEquals("ready", ready.name());
            assertTrue(data(ready).getBoolean("resumed"));
            assertEquals(2, data(c.next()).getInt("doc.n"));
            assertEquals(3, data(c.next()).getInt("doc.n"));
            insert("t_rt", "items", "{\"tag\":\"" + tag + "\",\"n\":4}", null);
            assertEquals(4, data(c.next()).getInt("doc.n"));
        }
    }

    @Test
    void connectionsPerUserAreLimited() throws Exception {
        String[] u = user();
        List<SseClient> open = new ArrayList<>();
        try {
            for (int i = 0; i < 4; i++) {
                open.add(open("t_rt", "[{\"collection\":\"items\"}]", u[1]));
            }
            SseClient refused = SseClient.open(base, "t_rt", "[{\"collection\":\"items\"}]", u[1], null);
            assertEquals(429, refused.status);
            assertTrue(refused.body.contains("limit 4"), refused.body);
            // a client that goes away frees its slot (polling, bounded: the server notices the closed socket)
            open.remove(0).close();
            long deadline = System.currentTimeMillis() + 20_000;
            SseClient again = SseClient.open(base, "t_rt", "[{\"collection\":\"items\"}]", u[1], null);
            while (again.status == 429 && System.currentTimeMillis() < deadline) {
                Thread.onSpinWait();
                again = SseClient.open(base, "t_rt", "[{\"collection\":\"items\"}]", u[1], null);
            }
            assertEquals(200, again.status, again.body);
            open.add(again);
        } finally {
            for (SseClient c : open) {
                c.close();
            }
        }
    }

    @Test
    void metricsCountSubscribersAndDeliveries() throws Exception {
        try (SseClient c = open("t_rt_reader", "[{\"collection\":\"own\"}]", null)) {
            insert("t_rt_reader", "own", "{\"m\":1}", null);
            assertEquals("insert", c.next().name());
            String metrics = Management.management().get("/q/metrics").then().statusCode(200).extract().asString();
            assertTrue(metrics.contains("labs_realtime_subscribers{experiment=\"t_rt_reader\"}"), "subscribers gauge");
            assertTrue(metrics.contains("labs_realtime_events_delivered_total"), "delivered counter");
            assertTrue(metrics.contains("labs_realtime_delivery_seconds_bucket"), "latency histogram");
            assertTrue(metrics.contains("labs_realtime_events_dropped_total"), "dropped counter");
        }
    }
}
