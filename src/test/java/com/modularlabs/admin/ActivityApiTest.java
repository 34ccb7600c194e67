package com.modularlabs.admin;

import com.modularlabs.auth.AuthFlows;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The per-experiment activity route over HTTP, logged in through /auth/token: its numbers follow real traffic. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ActivityApiTest {

    String admin() {
        return AuthFlows.adminToken();
    }

    /** A new experiment with a public collection "notes". */
    static String experimentWithNotes(String token, String slug) {
        given().auth().oauth2(token).contentType("application/json").body(Map.of("name", "Activity " + slug, "slug", slug))
                .post("/admin/api/experiments").then().statusCode(201);
        String etag = given().auth().oauth2(token).get("/admin/api/experiments/" + slug).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(token).contentType("application/json").header("If-Match", etag)
                .body(Map.of("name", "Activity " + slug, "status", "active", "auth_required", false,
                        "collections", Map.of("notes", Map.of("read", "public", "create", "public", "update", "public", "delete", "public"))))
                .put("/admin/api/experiments/" + slug).then().statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/experiments/" + slug + "/api/notes").statusCode() == 200);
        return slug;
    }

    JsonPath activity(String token, String slug) {
        return given().auth().oauth2(token).get("/admin/api/experiments/" + slug + "/activity").then().statusCode(200)
                .header("Cache-Control", "no-store").extract().jsonPath();
    }

    @Test
    void countsFollowRequestsErrorsAndDataCalls() {
        String token = admin();
        String slug = experimentWithNotes(token, "act_" + Long.toString(System.nanoTime(), 36));
        // the polling in experimentWithNotes may still be counted (end handler): start from counts that have settled
        JsonPath before = await().atMost(Duration.ofSeconds(10)).until(() -> activity(token, slug),
                b -> b.getLong("totals.requests") == activity(token, slug).getLong("totals.requests"));
        long requests = before.getLong("totals.requests");
        long data = before.getLong("totals.data_calls");
        long errors = before.getLong("totals.errors");

        for (int i = 0; i < 3; i++) {
            given().contentType("application/json").body(Map.of("n", i)).post("/experiments/" + slug + "/api/notes").then().statusCode(201);
        }
        given().get("/experiments/" + slug + "/api/notes/000000000000000000000000").then().statusCode(404);
        given().get("/experiments/" + slug + "/").then().statusCode(200); // the page: a request, not a data call

        // the end handler runs after the response is written, so the last request may be counted a moment later
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            JsonPath after = activity(token, slug);
            assertEquals(requests + 5, after.getLong("totals.requests"));
            assertEquals(data + 4, after.getLong("totals.data_calls"));
            assertEquals(errors + 1, after.getLong("totals.errors"));
            assertTrue(after.getDouble("totals.p95_millis") > 0, "p95 of the last minute");
        });
        // the sampler (every 2 s in tests) turns the counts into chart points; their sum covers the requests
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> {
            List<Map<String, Object>> samples = activity(token, slug).getList("samples");
            long sum = samples.stream().mapToLong(s -> ((Number) s.get("requests")).longValue()).sum();
            assertTrue(sum >= 5, "samples " + samples);
        });
        JsonPath now = activity(token, slug);
        assertEquals(2L, now.getLong("interval_seconds"));
        assertEquals(0L, now.getLong("totals.function_calls"));
        assertEquals(0L, now.getLong("totals.subscribers"));
    }

    @Test
    void unknownExperimentsAre404AndNonAdminsAreRefused() {
        String token = admin();
        given().auth().oauth2(token).get("/admin/api/experiments/no_such_exp/activity").then().statusCode(404)
                .contentType(containsString("application/problem+json"));
        given().get("/admin/api/experiments/no_such_exp/activity").then().statusCode(401);
    }
}
