package com.modularlabs.auth;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.Gen;
import com.modularlabs.observability.LogCapture;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

/**
 * The auth routes attacked with odd input and races: generated JSON bodies (wrong types, NUL, very long and unicode
 * addresses, extra keys), garbage invite tokens, open-redirect targets, and one address registered many times at
 * once in different spellings. Expected: 4xx problem+json (or the HTML form's own page), never a 5xx or a stack
 * trace; exactly one account per address. (Wrong passwords go to other addresses than the bootstrap admin's: the
 * throttle would lock it for the test classes that run next.)
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileAuthInputTest {
    static final ExecutorService POOL = Executors.newCachedThreadPool();
    static final String[] VALUES = {"null", "1", "true", "[]", "{}", "[\"a@example.org\"]", "{\"$ne\": null}", "{\"$gt\": \"\"}",
            "\"\"", "\" \"", "\"\\u0000\"", "\"a\\u0000@example.org\"", "\"victim@example.org\\u0000\"", "\"VICTIM@EXAMPLE.ORG\"",
            "\" victim@example.org \"", "\"\u00e9@\u00e9.fr\"", "\"\\ud800@example.org\"", "\"a@b\"", "\"@\"", "\"a@@b.c\"", "1e400"};

    static String value(Gen g) {
        return g.oneIn(5) ? "\"" + "x".repeat(g.of(200, 5000, 100_000)) + "@example.org\"" : g.of(VALUES);
    }

    static void refusedCleanly(Response r, String what) {
        int s = r.statusCode();
        String body = r.asString();
        assertTrue(s < 500, what + " answered " + s + ": " + body);
        assertTrue(s != 200 && s != 201, what + " was accepted: " + body);
        assertTrue(r.contentType().startsWith("application/problem+json"), what + " answered " + s + " as " + r.contentType());
        assertFalse(body.contains("Exception") || body.contains("Mongo") || body.contains("at com."), what + " leaks: " + body);
    }

    record Body(String path, String json) {}

    @Test
    void generatedAuthBodiesAreProblems() {
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(120, g -> {
                String path = g.of("/auth/token", "/auth/login", "/auth/register");
                StringBuilder b = new StringBuilder("{\"email\": ").append(value(g)).append(", \"password\": ")
                        .append(g.of("null", "1", "[]", "{}", "\"\"", "\"x\"", "\"" + "p".repeat(g.of(8, 73, 5000)) + "\"",
                                "\"wrong-password-1\"", "\"\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\\u0000\""));
                if (g.oneIn(2)) {
                    b.append(", \"password_confirm\": ").append(g.of("null", "1", "\"x\"", "\"wrong-password-1\""));
                }
                if (g.oneIn(3)) {
                    b.append(", ").append(g.of("\"roles\": [\"admin\"]", "\"is_admin\": true", "\"email_verified\": true", "\"$where\": 1",
                            "\"next\": \"//evil.example\"", "\"\": 1", "\"\\u0000\": 1"));
                }
                return new Body(path, b.append('}').toString());
            }, c -> {
                Response r = given().contentType("application/json").header("X-Forwarded-For", "203.0.113.7").body(c.json()).post(c.path());
                if (r.statusCode() == 429) {
                    return; // the throttle may answer first for repeated addresses; it is a problem too
                }
                refusedCleanly(r, c.path() + " " + c.json());
            });
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error logged for odd auth bodies");
        }
    }

    @Test
    void garbageInviteTokensAndRedirectTargetsGoNowhere() {
        for (String token : List.of("x", "%00", "..", "%2e%2e%2fadmin", "a".repeat(3000), "%ff%fe", "%E2%80%AE")) {
            Response r = given().urlEncodingEnabled(false).get("/auth/invite/" + token);
            assertTrue(r.statusCode() >= 400 && r.statusCode() < 500, token + " answered " + r.statusCode());
            Response p = given().urlEncodingEnabled(false).contentType("application/json")
                    .body("{\"password\": \"long-enough-pw-1\", \"password_confirm\": \"long-enough-pw-1\"}").post("/auth/invite/" + token);
            assertTrue(p.statusCode() >= 400 && p.statusCode() < 500, token + " answered " + p.statusCode());
        }
        for (String next : List.of("//evil.example/x", "/\\evil.example", "\\\\evil.example", "https://evil.example", "javascript:alert(1)",
                "/%2F%2Fevil.example", "/\t/evil.example", " //evil.example", "/.//evil.example", "%2F%2Fevil.example")) {
            Response r = given().redirects().follow(false).contentType("application/x-www-form-urlencoded")
                    .formParam("email", AuthFlows.ADMIN).formParam("password", AuthFlows.ADMIN_PW).formParam("next", next).post("/auth/login");
            String location = r.getHeader("Location");
            assertTrue(location != null, next + ": a login redirects");
            String path = location.replaceFirst("^https?://(localhost|127\\.0\\.0\\.1)(:\\d+)?", "");
            // a browser resolves a Location that starts with one '/' (and holds no '\\', tab or newline) on this origin
            assertTrue(path.startsWith("/") && !path.startsWith("//") && !path.matches("(?s).*[\\\\\\s].*"),
                    next + " redirected to " + location);
        }
    }

    @Test
    void oneAddressRegisteredManyTimesAtOnceMakesOneAccount() {
        for (int round = 0; round < 3; round++) {
            String local = "race-" + UUID.randomUUID().toString().substring(0, 8);
            List<String> spellings = List.of(local + "@example.org", local.toUpperCase() + "@EXAMPLE.ORG", " " + local + "@Example.org ",
                    local + "@example.org", local + "@EXAMPLE.org", local + "@example.org");
            CountDownLatch go = new CountDownLatch(1);
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < spellings.size(); i++) {
                String email = spellings.get(i);
                String pw = "race-password-" + i;
                calls.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                    return given().contentType("application/json").body(Map.of("email", email, "password", pw, "password_confirm", pw))
                            .post("/auth/register");
                }, POOL));
            }
            go.countDown();
            int created = 0;
            int winner = -1;
            for (int i = 0; i < calls.size(); i++) {
                Response r = calls.get(i).join();
                assertTrue(r.statusCode() == 201 || r.statusCode() == 409, "201 or 409: " + r.statusCode() + " " + r.asString());
                if (r.statusCode() == 201) {
                    created++;
                    winner = i;
                } else {
                    refusedCleanly(r, "duplicate registration");
                }
            }
            assertEquals(1, created, "exactly one account per address");
            AuthFlows.tokenCall(local + "@example.org", "race-password-" + winner).then().statusCode(200);
            String users = given().auth().oauth2(AuthFlows.adminToken()).queryParam("q", local).get("/admin/api/users").then()
                    .statusCode(200).extract().asString();
            assertEquals(1, users.split(local, -1).length - 1, "one user listed: " + users);
        }
    }
}
