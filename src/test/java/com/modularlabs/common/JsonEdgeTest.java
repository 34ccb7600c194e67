package com.modularlabs.common;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.startsWith;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.ValidatableResponse;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.URL;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Hostile JSON bodies over HTTP on every kind of route (auth, data API, admin API): always a 4xx
 * application/problem+json naming the JSON path, never a 5xx, never a stack trace in the log, never database text.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class JsonEdgeTest {
    static final String ADMIN = "admin@example.com";
    static final String ADMIN_PW = "test-admin-password-1";
    static final String CLICKS = "/experiments/click_tracker/api/clicks";
    static final int MIB = 1024 * 1024;

    @TestHTTPResource("/")
    URL base;

    /** Every log record with a stack trace (or at ERROR) while a test runs. */
    final List<LogRecord> traces = Collections.synchronizedList(new ArrayList<>());
    final Handler capture = new Handler() {
        @Override
        public void publish(LogRecord r) {
            if (r.getThrown() != null || r.getLevel().intValue() >= Level.SEVERE.intValue()) {
                traces.add(r);
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    };

    @BeforeEach
    void listen() {
        Logger.getLogger("").addHandler(capture);
    }

    @AfterEach
    void noTraces() {
        Logger.getLogger("").removeHandler(capture);
        assertEquals(List.of(), traces.stream().map(r -> r.getLoggerName() + ": " + r.getMessage() + " " + r.getThrown()).toList(),
                "bad input must not log stack traces or errors");
    }

    static String adminToken() {
        return given().contentType(ContentType.JSON).body(Map.of("email", ADMIN, "password", ADMIN_PW)).post("/auth/token")
                .then().statusCode(200).extract().path("access_token");
    }

    static ValidatableResponse problem(ValidatableResponse r, int status) {
        return r.statusCode(status).contentType(Problem.MEDIA_TYPE).body("status", equalTo(status))
                .body(not(containsString("Exception"))).body(not(containsString("\tat ")));
    }

    static final String DEEP_ARRAY = "[".repeat(2000) + "]".repeat(2000);
    static final String DEEP_OBJECT = "{\"a\":".repeat(1001) + "1" + "}".repeat(1001);

    @Test
    void deepNestingIsA400WithItsPathOnEveryJsonRoute() {
        String admin = adminToken();
        for (String body : List.of(DEEP_ARRAY, DEEP_OBJECT)) {
            String path = body.startsWith("[") ? "$[0][0]" : "$.a.a";
            problem(given().contentType(ContentType.JSON).body(body).post(CLICKS).then(), 400)
                    .body("errors[0].path", startsWith(path));
            problem(given().contentType(ContentType.JSON).body(body).post("/auth/token").then(), 400)
                    .body("errors[0].path", startsWith("$"));
            problem(given().auth().oauth2(admin).contentType(ContentType.JSON).body(body).post("/admin/api/users").then(), 400)
                    .body("errors[0].path", startsWith("$"));
            problem(given().auth().oauth2(admin).contentType(ContentType.JSON).body(body)
                    .put("/admin/api/experiments/click_tracker").then(), 400).body("errors[0].path", startsWith("$"));
        }
        // filters in the query string: as deep as fits in a request line
        problem(given().queryParam("filter", "{\"a\":".repeat(150) + "1" + "}".repeat(150)).get(CLICKS).then(), 400)
                .body("errors[0].path", startsWith("$.a.a"));
        problem(given().queryParam("filter", "{\"a\":" + "[".repeat(300) + "]".repeat(300) + "}").get(CLICKS).then(), 400)
                .body("errors[0].path", startsWith("$.a[0][0]"));
    }

    @Test
    void invalidFieldNamesAreA400WithTheirPath() {
        problem(given().contentType(ContentType.JSON).body("{\"button\":\"red\",\"x\":{\"a\\u0000b\":1}}").post(CLICKS).then(), 400)
                .body("errors[0].path", equalTo("$.x.a\\u0000b"));
        problem(given().contentType(ContentType.JSON).body("{\"button\":\"red\",\"$where\":1}").post(CLICKS).then(), 400)
                .body("errors[0].path", equalTo("$.$where"));
        problem(given().contentType(ContentType.JSON).body("[{\"button\":\"red\"},{\"button\":\"red\",\"tags\":[{\"a.b\":1}]}]")
                .post(CLICKS).then(), 400).body("errors[0].path", equalTo("$[1].tags[0].a.b"));
        problem(given().contentType(ContentType.JSON).body("{\"button\":\"red\",\"\":1}").post(CLICKS).then(), 400)
                .body("errors[0].path", equalTo("$."));
        problem(given().contentType(ContentType.JSON).body("{\"button\":\"red\",\"" + "k".repeat(5000) + "\":1}").post(CLICKS).then(), 400);
        // a NUL in a filter's field name never reaches the driver's encoder
        problem(given().queryParam("filter", "{\"a\\u0000\":1}").get(CLICKS).then(), 400)
                .body("errors[0].path", equalTo("$.a\\u0000"));
    }

    @Test
    void wrongTypesOnAuthTokenNameTheField() {
        problem(given().contentType(ContentType.JSON).body("{\"email\":1,\"password\":[]}").post("/auth/token").then(), 400)
                .body("errors[0].path", equalTo("$.email")).body("errors[0].message", equalTo("expected a string"));
        problem(given().contentType(ContentType.JSON).body("{\"email\":\"a@b.c\",\"password\":{\"x\":1}}").post("/auth/token").then(), 400)
                .body("errors[0].path", equalTo("$.password"));
        problem(given().contentType(ContentType.JSON).body("[\"a@b.c\",\"pw\"]").post("/auth/token").then(), 400)
                .body("errors[0].path", equalTo("$")).body("errors[0].message", equalTo("expected a JSON object"));
        problem(given().contentType(ContentType.JSON).body("email=a&password=b").post("/auth/token").then(), 400)
                .body("errors[0].path", equalTo("$"));
        problem(given().contentType(ContentType.JSON).body("{\"email\":\"a@b.c\",\"password\":").post("/auth/token").then(), 400);
        problem(given().contentType(ContentType.JSON).body("{\"email\":\"a@b.c\",\"n\":" + "9".repeat(5000) + "}").post("/auth/token").then(), 400);
        problem(given().contentType(ContentType.TEXT).body("{}").post("/auth/token").then(), 415);
        problem(given().get("/auth/no-such-route").then(), 404);
        problem(given().delete("/auth/token").then(), 405);
    }

    @Test
    void bodiesOverOneMebibyteAreRefusedBeforeReadingOnEveryRoute() {
        String admin = adminToken();
        String big = "{\"email\":\"" + "x".repeat(2 * MIB) + "\"}";
        problem(given().contentType(ContentType.JSON).body(big).post("/auth/token").then(), 413);
        problem(given().contentType(ContentType.JSON).body(big).post("/auth/login").then(), 413);
        problem(given().contentType(ContentType.URLENC).body("email=" + "x".repeat(2 * MIB) + "&password=x").post("/auth/login").then(), 413);
        // one form field over Quarkus' form attribute limit (2 KiB): a problem, not a decoder stack trace
        problem(given().contentType(ContentType.URLENC).body("email=" + "x".repeat(5000) + "&password=x").post("/auth/login").then(), 413);
        problem(given().auth().oauth2(admin).contentType(ContentType.JSON).body(big).post("/admin/api/users").then(), 413);
        problem(given().auth().oauth2(admin).contentType(ContentType.JSON).body(big).put("/admin/api/experiments/click_tracker").then(), 413);
        problem(given().contentType(ContentType.JSON).body(big).post(CLICKS).then(), 413);
        // just under the limit is read (and refused for what it says, not for its size)
        String under = "{\"email\":\"" + "x".repeat(MIB - 100) + "\",\"password\":\"x\"}";
        int status = given().contentType(ContentType.JSON).body(under).post("/auth/token").then().extract().statusCode();
        assertTrue(status == 400 || status == 401, "status " + status);
        // bundle uploads keep their own, larger limit: a 2 MiB body reaches the bundle code (not a ZIP: 400)
        int upload = given().auth().oauth2(admin).contentType("application/zip").body(new byte[2 * MIB])
                .post("/admin/api/experiments/click_tracker/bundle").then().extract().statusCode();
        assertNotEquals(413, upload);
        assertTrue(upload >= 400 && upload < 500, "status " + upload);
    }

    @Test
    void streamedBodiesAreCountedWhileReading() throws Exception {
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        byte[] big = ("{\"email\":\"" + "x".repeat(3 * MIB) + "\"}").getBytes();
        HttpResponse<String> json = client.send(HttpRequest.newBuilder(URI.create(base + "auth/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, json.statusCode(), json.body());
        HttpResponse<String> form = client.send(HttpRequest.newBuilder(URI.create(base + "auth/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(big))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(413, form.statusCode(), form.body());
        assertEquals(Problem.MEDIA_TYPE, form.headers().firstValue("Content-Type").orElse(""));
        assertEquals(Problem.MEDIA_TYPE, json.headers().firstValue("Content-Type").orElse(""));
        // a small streamed body still works, JSON and form
        HttpResponse<String> login = client.send(HttpRequest.newBuilder(URI.create(base + "auth/login"))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(
                        ("email=" + ADMIN + "&password=" + ADMIN_PW + "&next=/").getBytes()))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(303, login.statusCode(), login.body());
        byte[] small = ("{\"email\":\"" + ADMIN + "\",\"password\":\"" + ADMIN_PW + "\"}").getBytes();
        HttpResponse<String> ok = client.send(HttpRequest.newBuilder(URI.create(base + "auth/token"))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(small))).build(), HttpResponse.BodyHandlers.ofString());
        assertEquals(200, ok.statusCode(), ok.body());
    }

    @Test
    void duplicateIdsAreA409WithoutDatabaseText() {
        String id = "dup-" + UUID.randomUUID();
        given().contentType(ContentType.JSON).body(Map.of("_id", id, "button", "red")).post(CLICKS).then().statusCode(201);
        problem(given().contentType(ContentType.JSON).body(Map.of("_id", id, "button", "blue")).post(CLICKS).then(), 409)
                .body(not(containsString("E11000"))).body(not(containsString("click_tracker_clicks")))
                .body(not(containsString("labs_db"))).body(not(containsString("dup key")));
    }
}
