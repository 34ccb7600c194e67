package com.modularlabs.admin;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.observability.FrozenDatabaseTest;
import com.modularlabs.auth.AuthFlows;
import com.modularlabs.observability.LogCapture;
import com.modularlabs.store.FreezableMongoResource;
import com.modularlabs.store.TestMongo;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.TestProfile;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Function;
import org.bson.Document;
import org.eclipse.microprofile.config.ConfigProvider;
import org.junit.jupiter.api.Test;

/**
 * The admin data browser and the admin config replace with the database frozen (answers nothing), and the config
 * replace raced by several admins with the same If-Match. Expected: 503 problem+json with Retry-After (never a 500,
 * never a hang, no stack trace per request), and after a race exactly one winner whose collections are claimed.
 */
@QuarkusTest
@TestProfile(FrozenDatabaseTest.Frozen.class) // same profile and resource: one app start for both
@QuarkusTestResource(value = FreezableMongoResource.class, restrictToAnnotatedClass = true)
class AdminFaultsTest {
    /** Far above the bound (2 s per operation, a few operations per request), far below a hang. */
    static final RestAssuredConfig CLIENT_GIVES_UP = RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
            .setParam("http.socket.timeout", 25_000).setParam("http.connection.timeout", 5_000));

    /** Own threads: the common pool has one thread on a 2-core machine, which would run the requests one by one. */
    static final ExecutorService POOL = Executors.newCachedThreadPool();

    static String experiment(String token, String slug) {
        given().auth().oauth2(token).contentType("application/json").body(Map.of("name", "Faults " + slug, "slug", slug))
                .post("/admin/api/experiments").then().statusCode(201);
        String etag = etag(token, slug);
        given().auth().oauth2(token).contentType("application/json").header("If-Match", etag)
                .body(manifest(slug, "notes")).put("/admin/api/experiments/" + slug).then().statusCode(200);
        return etag(token, slug);
    }

    static String manifest(String slug, String... collections) {
        StringBuilder c = new StringBuilder();
        for (String name : collections) {
            c.append(c.length() == 0 ? "" : ",").append('"').append(name).append("\": {\"read\": \"public\", \"create\": \"public\"}");
        }
        return "{\"name\": \"Faults " + slug + "\", \"status\": \"active\", \"collections\": {" + c + "}}";
    }

    static String etag(String token, String slug) {
        return given().auth().oauth2(token).get("/admin/api/experiments/" + slug).then().statusCode(200).extract().header("ETag");
    }

    @Test
    void adminDataRoutesAndConfigReplaceAnswer503WhileTheDatabaseIsFrozen() {
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/").statusCode() == 200);
        String token = AuthFlows.adminToken();
        String slug = "afz_" + Long.toString(System.nanoTime(), 36);
        String etag = experiment(token, slug);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().contentType("application/json").body(Map.of("t", "a"))
                .post("/experiments/" + slug + "/api/notes").statusCode() == 201);
        String id = given().get("/experiments/" + slug + "/api/notes").then().statusCode(200).extract().path("items[0]._id.$oid");
        String base = "/admin/api/experiments/" + slug + "/data";
        // the identity of the token is cached after its first use: the frozen store is met by the route itself
        given().auth().oauth2(token).get(base).then().statusCode(200);

        List<Function<RequestSpecification, Response>> calls = List.of(
                r -> r.get(base),
                r -> r.get(base + "/notes"),
                r -> r.queryParam("count", "true").get(base + "/notes"),
                r -> r.get(base + "/notes/" + id),
                r -> r.contentType("application/json").body("{\"t\": \"b\"}").put(base + "/notes/" + id),
                r -> r.delete(base + "/notes/" + id),
                r -> r.get("/admin/api/experiments/" + slug),
                r -> r.contentType("application/json").header("If-Match", etag).body(manifest(slug, "notes", "more"))
                        .put("/admin/api/experiments/" + slug),
                r -> r.contentType("application/json").body(Map.of("status", "draft")).post("/admin/api/experiments/" + slug + "/status"));
        try (LogCapture logs = LogCapture.of("")) {
            FreezableMongoResource.freeze();
            try {
                List<CompletableFuture<Response>> inFlight = new ArrayList<>();
                for (var call : calls) {
                    inFlight.add(CompletableFuture.supplyAsync(() -> call.apply(given().config(CLIENT_GIVES_UP).auth().oauth2(token)), POOL));
                }
                for (int i = 0; i < calls.size(); i++) {
                    Response r = inFlight.get(i).join();
                    assertEquals(503, r.statusCode(), "call " + i + " during the freeze: " + r.asString());
                    r.then().contentType("application/problem+json").header("Retry-After", "5")
                            .body("status", equalTo(503)).body(not(containsString("Mongo")));
                }
            } finally {
                FreezableMongoResource.thaw();
            }
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error per request during the freeze");
        }
        // thawed: everything answers again; the config is one consistent version (an outcome-unknown write may land)
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250))
                .until(() -> given().auth().oauth2(token).get(base + "/notes").statusCode() == 200);
        String now = etag(token, slug);
        given().auth().oauth2(token).contentType("application/json").header("If-Match", now)
                .body(manifest(slug, "notes", "after")).put("/admin/api/experiments/" + slug).then().statusCode(200);
    }

    @Test
    void concurrentReplacesWithOneIfMatchHaveOneWinnerAndItsCollectionsStayClaimed() throws Exception {
        await().atMost(Duration.ofSeconds(30)).until(() -> given().get("/").statusCode() == 200);
        String token = AuthFlows.adminToken();
        for (int round = 0; round < 8; round++) {
            String slug = "arc_" + Long.toString(System.nanoTime(), 36);
            String etag = experiment(token, slug);
            int n = 6;
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Response>> puts = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                String body = manifest(slug, "notes", "shared", "own" + i);
                puts.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return given().config(CLIENT_GIVES_UP).auth().oauth2(token).contentType("application/json")
                            .header("If-Match", etag).body(body).put("/admin/api/experiments/" + slug);
                }, POOL));
            }
            go.countDown();
            int won = 0;
            for (var f : puts) {
                Response r = f.join();
                assertTrue(r.statusCode() == 200 || r.statusCode() == 412, "200 or 412: " + r.statusCode() + " " + r.asString());
                won += r.statusCode() == 200 ? 1 : 0;
            }
            assertEquals(1, won, "exactly one replace wins");
            Document config = TestMongo.client().getDatabase(database()).getCollection("experiments_config")
                    .find(Filters.eq("slug", slug)).first();
            @SuppressWarnings("unchecked")
            Map<String, Object> colls = (Map<String, Object>) config.get("collections");
            for (String c : colls.keySet()) {
                Document claim = TestMongo.client().getDatabase(database()).getCollection("labs_collection_claims")
                        .find(Filters.eq("_id", slug + "_" + c)).first();
                assertTrue(claim != null && slug.equals(claim.getString("slug")),
                        "the winner's collection '" + c + "' is claimed by " + slug + ": " + claim);
            }
        }
    }

    static String database() {
        return ConfigProvider.getConfig().getOptionalValue("quarkus.mongodb.database", String.class).orElse("labs_db");
    }
}
