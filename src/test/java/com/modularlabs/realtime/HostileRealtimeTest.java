package com.modularlabs.realtime;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.auth.AuthFlows;
import com.modularlabs.common.Gen;
import com.modularlabs.observability.LogCapture;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Realtime subscriptions attacked with generated subscribe parameters: odd collection names, filters with operator
 * keys, NUL, deep nesting, backtracking regexes, wrong types, too many subscriptions. A subscription either opens
 * (and is closed again) or is refused with a 4xx problem; never a 5xx or a logged stack trace.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileRealtimeTest {
    static final String SLUG = "hostile_rt";
    @TestHTTPResource("/")
    URI base;

    static final String[] COLLS = {"\"items\"", "\"nope\"", "\"\"", "\"\\u0000\"", "\"items\\u0000\"", "\"../items\"", "\"$cmd\"",
            "\"users\"", "1", "null", "[]", "{}", "\"" + "c".repeat(500) + "\""};
    static final String[] FILTERS = {"{}", "{\"a\": 1}", "{\"$where\": \"1\"}", "{\"a\": {\"$regex\": \"(a+)+$\"}}",
            "{\"a\": {\"$regex\": \"(a)\\\\1\"}}", "{\"\": 1}", "{\"\\u0000\": 1}", "{\"a.b\": {\"$gt\": 1}}", "{\"$expr\": {}}",
            "{\"a\": {\"$bogus\": 1}}", "{\"a\": {\"$in\": 5}}", "{\"a\": {\"$size\": -1}}", "{\"a\": {\"$type\": \"nope\"}}",
            "{\"$and\": []}", "{\"$or\": {}}", "{\"a\": {\"$elemMatch\": 1}}", "{\"a\": {\"$oid\": \"zz\"}}", "[]", "1", "null",
            "{\"a\": {\"$date\": \"not a date\"}}"};

    static String subscription(Gen g) {
        StringBuilder b = new StringBuilder("{\"collection\": ").append(g.of(COLLS));
        if (g.oneIn(2)) {
            b.append(", \"filter\": ").append(g.oneIn(8) ? deep(g.of(11, 60)) : g.of(FILTERS));
        }
        if (g.oneIn(4)) {
            b.append(", \"fields\": ").append(g.of("\"a,b\"", "\"-a\"", "\"a,-b\"", "\"$where\"", "1", "[\"a\"]", "\"\\u0000\""));
        }
        if (g.oneIn(6)) {
            b.append(", \"").append(g.of("$where", "owner", "", "x")).append("\": 1");
        }
        return b.append('}').toString();
    }

    static String deep(int n) {
        return "{\"a\":".repeat(n) + "1" + "}".repeat(n);
    }

    static SseClient open(URI base, String sub) {
        try {
            return SseClient.open(base, SLUG, sub, null, null);
        } catch (Exception e) {
            throw new AssertionError("subscribe " + sub + ": " + e, e);
        }
    }

    static void close(SseClient c) {
        try {
            c.close();
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void generatedSubscriptionsOpenOrAreProblems() throws Exception {
        String admin = AuthFlows.adminToken();
        given().auth().oauth2(admin).contentType("application/json").body(Map.of("name", "Hostile rt", "slug", SLUG))
                .post("/admin/api/experiments");
        String etag = given().auth().oauth2(admin).get("/admin/api/experiments/" + SLUG).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(admin).contentType("application/json").header("If-Match", etag)
                .body("{\"name\": \"Hostile rt\", \"status\": \"active\", \"collections\": {\"items\": {\"read\": \"public\", \"create\": \"public\"}}}")
                .put("/admin/api/experiments/" + SLUG).then().statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get("/experiments/" + SLUG + "/api/items").statusCode() == 200);
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(150, g -> g.oneIn(10) ? g.string(30) : g.oneIn(10) ? subscription(g)
                    : "[" + String.join(",", g.list(0, g.oneIn(6) ? 14 : 3, () -> subscription(g))) + "]", sub -> {
                SseClient c = open(base, sub);
                try {
                    assertTrue(c.status == 200 || c.status >= 400 && c.status < 500, "subscribe " + sub + " answered " + c.status + ": " + c.body);
                    if (c.status != 200) {
                        assertTrue(c.body.contains("\"detail\""), "a problem naming what is wrong: " + c.body);
                        assertFalse(c.body.contains("Exception") || c.body.contains("Mongo"), "leaks: " + c.body);
                    }
                } finally {
                    if (c.status == 200) {
                        close(c);
                    }
                }
            });
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error logged for bad subscriptions");
        }
    }
}
