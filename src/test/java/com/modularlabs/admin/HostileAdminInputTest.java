package com.modularlabs.admin;

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
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The admin API attacked with generated query parameters and path segments: audit filters, user search, the data
 * browser's filter/sort/cursor and ids, export ids, the file browser's path, user and session ids. Every answer is
 * a success or a 4xx problem naming the problem; never a 5xx, a driver message or a logged stack trace.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileAdminInputTest {
    static final String SLUG = "hostile_admin";
    static final String[] ODD = {"", " ", "\u0000", "a\u0000b", "$where", "{\"$ne\": null}", "{\"$gt\": \"\"}", ".*", "(a+)+$", "[",
            "\\", "..", "../../etc/passwd", "%2e%2e", "\u00e9", "\ud800", "\u202e", "1e400", "-1", "0", "99999999999999999999",
            "2026-13-45T99:99:99Z", "2026-11-29T00:00:00Z", "000000000000000000000000", "zzzzzzzzzzzzzzzzzzzzzzzz", "null", "true", "[]"};

    static String odd(Gen g) {
        return g.oneIn(6) ? g.string(20) : g.oneIn(10) ? "x".repeat(g.of(101, 1000)) : g.of(ODD);
    }

    static void wellRefusedOrOk(Response r, String what) {
        int s = r.statusCode();
        String body = r.asString();
        assertTrue(s < 500, what + " answered " + s + ": " + body);
        if (s >= 400 && s != 414) {
            assertTrue(r.contentType().startsWith("application/problem+json"), what + " answered " + s + " as " + r.contentType() + ": " + body);
        }
        assertFalse(body.contains("Exception") || body.contains("Mongo") || body.contains("at com."), what + " leaks: " + body);
    }

    record Call(String route, Map<String, String> params) {}

    @Test
    void generatedAdminParametersAreOkOrAProblem() {
        String admin = AuthFlows.adminToken();
        given().auth().oauth2(admin).contentType("application/json").body(Map.of("name", "Hostile admin", "slug", SLUG))
                .post("/admin/api/experiments");
        String etag = given().auth().oauth2(admin).get("/admin/api/experiments/" + SLUG).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(admin).contentType("application/json").header("If-Match", etag)
                .body("{\"name\": \"Hostile admin\", \"status\": \"active\", \"collections\": {\"notes\": {\"read\": \"public\", \"create\": \"public\"}}}")
                .put("/admin/api/experiments/" + SLUG).then().statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().contentType("application/json").body("{\"t\": 1}")
                .post("/experiments/" + SLUG + "/api/notes").statusCode() == 201);
        String data = "/admin/api/experiments/" + SLUG + "/data";
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(250, g -> {
                int which = g.between(0, 5);
                Map<String, String> ps = new java.util.LinkedHashMap<>();
                String route = switch (which) {
                    case 0 -> {
                        for (String p : g.list(1, 4, () -> g.of("slug", "actor", "action", "since", "until", "after", "limit"))) {
                            ps.put(p, odd(g));
                        }
                        yield "/admin/api/audit";
                    }
                    case 1 -> {
                        for (String p : g.list(1, 3, () -> g.of("q", "after", "limit"))) {
                            ps.put(p, odd(g));
                        }
                        yield "/admin/api/users";
                    }
                    case 2 -> {
                        for (String p : g.list(1, 4, () -> g.of("filter", "sort", "limit", "after", "count"))) {
                            ps.put(p, odd(g));
                        }
                        yield data + "/notes";
                    }
                    case 3 -> {
                        ps.put("path", odd(g));
                        yield "/admin/api/experiments/" + SLUG + "/files";
                    }
                    case 4 -> {
                        for (String p : g.list(0, 2, () -> g.of("after", "limit"))) {
                            ps.put(p, odd(g));
                        }
                        yield g.of("/admin/api/experiments", "/admin/api/triggers/failures", "/admin/api/experiments/" + SLUG + "/exports");
                    }
                    default -> {
                        yield g.of(data + "/notes/", "/admin/api/exports/", "/admin/api/users/", data + "/", "/admin/api/experiments/")
                                + g.of("x", "000000000000000000000000", "%00", "%2e%2e", "$where", "a.b", "users", "x".repeat(300), "%ED%A0%80");
                    }
                };
                return new Call(route, ps);
            }, c -> {
                RequestSpecification req = given().auth().oauth2(admin);
                c.params().forEach(req::queryParam);
                Response r = c.route().contains("%") ? req.urlEncodingEnabled(false).get(c.route()) : req.get(c.route());
                wellRefusedOrOk(r, "GET " + c);
            });
            for (String id : List.of("x", "000000000000000000000000", "%00", "$where", "x".repeat(300))) {
                RequestSpecification req = given().auth().oauth2(admin).urlEncodingEnabled(false).contentType("application/json");
                wellRefusedOrOk(req.body("{\"t\": 2}").put(data + "/notes/" + id), "PUT data " + id);
                wellRefusedOrOk(given().auth().oauth2(admin).urlEncodingEnabled(false).delete(data + "/notes/" + id), "DELETE data " + id);
                wellRefusedOrOk(given().auth().oauth2(admin).urlEncodingEnabled(false).post("/admin/api/users/" + id + "/disable"), "disable " + id);
                wellRefusedOrOk(given().auth().oauth2(admin).urlEncodingEnabled(false).delete("/admin/api/users/" + id + "/sessions/" + id), "end session " + id);
                wellRefusedOrOk(given().auth().oauth2(admin).urlEncodingEnabled(false).get("/admin/api/exports/" + id + "/download"), "download " + id);
                wellRefusedOrOk(given().auth().oauth2(admin).urlEncodingEnabled(false).post("/admin/api/triggers/failures/" + id + "/retry"), "retry " + id);
            }
            for (String ifMatch : List.of("", "*", "\"x\"", "W/\"-1\"", "99999999999999999999", "\"1\", \"2\"", "\u0000")) {
                wellRefusedOrOk(given().auth().oauth2(admin).contentType("application/json").header("If-Match", ifMatch)
                        .body("{\"name\": \"x\", \"collections\": {}}").put("/admin/api/experiments/" + SLUG), "If-Match " + ifMatch);
            }
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error logged for bad admin parameters");
        }
    }
}
