package com.modularlabs.functions;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import jakarta.inject.Inject;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** POST /experiments/{slug}/api/_functions/{name}: access, the signed assertion, answers, limits, allow-list. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class FunctionsApiTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentRegistry registry;

    FakeFunctions fake;

    @BeforeEach
    void setUp() throws Exception {
        fake = FunctionTestSupport.fake(configs, registry);
    }

    private static Response call(String token, String slug, String fn, String body) {
        var r = given().contentType("application/json").body(body);
        if (token != null) {
            r = r.auth().oauth2(token);
        }
        return r.post("/experiments/" + slug + "/api/_functions/" + fn);
    }

    @Test
    void passesTheBodyAndReturnsTheFunctionsJsonWithAVerifiableAssertion() throws Exception {
        String[] u = FunctionTestSupport.user(List.of("dealer"));
        Response r = call(u[1], "t_fn", "userEcho", "{\"bet\": 10}");
        r.then().statusCode(200).contentType("application/json").body("body.bet", equalTo(10));
        String assertion = r.path("authorization").toString().substring("Bearer ".length());
        JsonNode jwks = JSON.readTree(given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString());
        JsonNode claims = Jwts.verify(assertion, jwks);
        assertNotNull(claims, "the assertion verifies with a key from the JWKS");
        assertEquals("ES256", Jwts.part(assertion, 0).path("alg").asText());
        assertEquals(u[0], claims.path("sub").asText(), "the user's stable id");
        assertEquals("t_fn", claims.path("experiment").asText());
        assertEquals("userEcho", claims.path("function").asText());
        assertEquals("labs-function:t_fn/userEcho", claims.path("aud").isArray() ? claims.path("aud").get(0).asText() : claims.path("aud").asText());
        String jti = claims.path("jti").asText();
        assertTrue(jti.length() >= 32 && r.path("request_id").toString().startsWith(jti + "."),
                "the request id names the assertion it came with: " + r.path("request_id"));
        assertTrue(claims.path("roles").toString().contains("dealer"));
        long lifetime = claims.path("exp").asLong() - claims.path("iat").asLong();
        assertTrue(lifetime > 0 && lifetime <= 60, "short-lived: " + lifetime);
        assertTrue(r.path("api").toString().endsWith("/experiments/t_fn/api"));
        // a tampered assertion does not verify
        String[] p = assertion.split("\\.");
        String forged = p[0] + "." + java.util.Base64.getUrlEncoder().withoutPadding()
                .encodeToString(claims.toString().replace(u[0], "someone-else").getBytes()) + "." + p[2];
        assertNull(Jwts.verify(forged, jwks));
    }

    @Test
    void aReusedAssertionStillGivesEveryCallItsOwnRequestIdAndNeverCrossesUsers() throws Exception {
        String[] a = FunctionTestSupport.user(List.of());
        String[] b = FunctionTestSupport.user(List.of());
        Response first = call(a[1], "t_fn", "userEcho", "{}");
        Response second = call(a[1], "t_fn", "userEcho", "{}");
        Response other = call(b[1], "t_fn", "userEcho", "{}");
        String assertion = first.path("authorization").toString();
        JsonNode jwks = JSON.readTree(given().get("/.well-known/jwks.json").then().statusCode(200).extract().asString());
        String jti = Jwts.verify(assertion.substring("Bearer ".length()), jwks).path("jti").asText();
        assertTrue(first.path("request_id").toString().startsWith(jti + ".") && second.path("request_id").toString().startsWith(jti + "."));
        assertTrue(!first.path("request_id").toString().equals(second.path("request_id").toString()), "one request id per call");
        JsonNode otherClaims = Jwts.verify(other.path("authorization").toString().substring("Bearer ".length()), jwks);
        assertEquals(b[0], otherClaims.path("sub").asText(), "another user never gets the first user's assertion");
        assertTrue(other.path("request_id").toString().startsWith(otherClaims.path("jti").asText() + "."));
        assertTrue(!otherClaims.path("jti").asText().equals(jti));
    }

    @Test
    void accessLevelsOfTheDataApiDecideWhoMayCall() {
        String[] u = FunctionTestSupport.user(List.of());
        call(null, "t_fn", "echo", "{}").then().statusCode(200).body("body", equalTo(java.util.Map.of()));
        call(null, "t_fn", "userEcho", "{}").then().statusCode(401).contentType("application/problem+json");
        call(u[1], "t_fn", "adminEcho", "{}").then().statusCode(403).contentType("application/problem+json");
        call(FunctionTestSupport.token(FunctionTestSupport.ADMIN, FunctionTestSupport.ADMIN_PW), "t_fn", "adminEcho", "{}").then().statusCode(200);
        // service functions: never from a browser, not even an admin's
        call(u[1], "t_fn", "svcEcho", "{}").then().statusCode(403).body("detail", containsString("functions"));
        call(FunctionTestSupport.token(FunctionTestSupport.ADMIN, FunctionTestSupport.ADMIN_PW), "t_fn", "svcEcho", "{}").then().statusCode(403);
        call(null, "t_fn", "nope", "{}").then().statusCode(404).contentType("application/problem+json");
        call(null, "t_fn_nope", "echo", "{}").then().statusCode(404);
        assertEquals(0, fake.hits("/nothing"));
    }

    @Test
    void problemJsonPassesThroughAndBrokenAnswersAre502() {
        call(null, "t_fn", "refuse", "{}").then().statusCode(422).contentType("application/problem+json")
                .body("title", equalTo("Not your turn")).body("detail", equalTo("wait for the dealer"));
        call(null, "t_fn", "html", "{}").then().statusCode(502).contentType("application/problem+json")
                .body("detail", containsString("other than JSON"));
        call(null, "t_fn", "badjson", "{}").then().statusCode(502).contentType("application/problem+json");
        call(null, "t_fn", "redirect", "{}").then().statusCode(502).body("detail", containsString("302"));
        call(null, "t_fn", "gone", "{}").then().statusCode(502).body("detail", containsString("unreachable"));
        call(null, "t_fn", "relative", "{}").then().statusCode(503).body("detail", containsString("base URL"));
    }

    @Test
    void timeoutIs504AndBodyLimitsHoldBothWays() {
        fake.release = new java.util.concurrent.CountDownLatch(1);
        call(null, "t_fn", "slow", "{}").then().statusCode(504).contentType("application/problem+json")
                .body("detail", containsString("300 ms"));
        fake.release.countDown();
        // the answer is cut off while reading
        call(null, "t_fn", "big", "{}").then().statusCode(502).body("detail", containsString("larger than 1000 bytes"));
        // the request is refused from Content-Length, before the function is called
        int before = fake.hits("/echo");
        call(null, "t_fn", "tiny", "{\"pad\": \"" + "y".repeat(200) + "\"}").then().statusCode(413).contentType("application/problem+json");
        assertEquals(before, fake.hits("/echo"));
        // a small request goes out; the echo (assertion and token included) is over 100 bytes on the way back
        call(null, "t_fn", "tiny", "{\"ok\": 1}").then().statusCode(502).body("detail", containsString("larger than 100 bytes"));
        assertEquals(before + 1, fake.hits("/echo"));
    }

    @Test
    void consecutiveFailuresOpenTheCircuit() {
        for (int i = 0; i < 3; i++) { // labs.functions.breaker-failures=3 in the test profile
            call(null, "t_fn", "fail", "{}").then().statusCode(502).body("detail", containsString("HTTP 500"));
        }
        call(null, "t_fn", "fail", "{}").then().statusCode(503).header("Retry-After", org.hamcrest.Matchers.notNullValue())
                .body("detail", containsString("paused"));
        assertEquals(3, fake.hits("/fail"), "no call went out while the circuit is open");
        // other functions are unaffected
        call(null, "t_fn", "echo", "{}").then().statusCode(200);
    }

    @Test
    void concurrencyIsLimitedPerExperiment() throws Exception {
        fake.release = new java.util.concurrent.CountDownLatch(1);
        var client = java.net.http.HttpClient.newHttpClient();
        var uri = java.net.URI.create("http://127.0.0.1:" + io.restassured.RestAssured.port + "/experiments/t_fn_busy/api/_functions/hang");
        List<java.util.concurrent.CompletableFuture<java.net.http.HttpResponse<String>>> inFlight = new java.util.ArrayList<>();
        for (int i = 0; i < 4; i++) { // labs.functions.concurrency-per-experiment=4 in the test profile
            inFlight.add(client.sendAsync(java.net.http.HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
                    .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{}")).build(), java.net.http.HttpResponse.BodyHandlers.ofString()));
        }
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(20)).until(() -> fake.hanging.get() == 4);
        call(null, "t_fn_busy", "echo", "{}").then().statusCode(503).header("Retry-After", "1")
                .body("detail", containsString("in flight"));
        // another experiment is not affected
        call(null, "t_fn", "echo", "{}").then().statusCode(200);
        fake.release.countDown();
        for (var f : inFlight) {
            assertEquals(200, f.get(20, java.util.concurrent.TimeUnit.SECONDS).statusCode());
        }
        call(null, "t_fn_busy", "echo", "{}").then().statusCode(200);
    }

    @Test
    void manifestsPointingOffTheAllowListAreRefusedAtLoad() {
        var invalid = registry.snapshot().invalid();
        for (String slug : Set.of("t_fn_meta", "t_fn_ext", "t_fn_v6", "t_fn_dec", "t_fn_ftp")) {
            assertTrue(invalid.containsKey(slug), slug + " must be refused");
            assertTrue(invalid.get(slug).stream().anyMatch(e -> e.path().equals("$.functions.f.url")), slug + ": " + invalid.get(slug));
            call(null, slug, "f", "{}").then().statusCode(404);
        }
        assertTrue(invalid.get("t_fn_trig").stream().anyMatch(e -> e.path().equals("$.collections.c.triggers.before_write")));
        assertTrue(registry.snapshot().active("t_fn").isPresent());
    }

    @Test
    void jwksPublishesEcKeysOnly() {
        given().get("/.well-known/jwks.json").then().statusCode(200).contentType("application/json")
                .body("keys.kty", hasItem("EC")).body("keys.alg", hasItem("ES256"))
                .body("keys.find { it.d != null }", org.hamcrest.Matchers.nullValue());
    }
}
