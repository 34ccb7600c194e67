package com.modularlabs.observability;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.store.FreezableMongoResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.config.HttpClientConfig;
import io.restassured.config.RestAssuredConfig;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * Database frozen (accepts connections, answers nothing; a TCP proxy in the test stops forwarding): requests in flight
 * and new ones end with 503 within the configured bound (2 s here) instead of hanging for the old 30 s socket
 * timeout; the client gives up after 20 s, so a hang fails the test. Everything answers again once thawed.
 */
@QuarkusTest
@TestProfile(FrozenDatabaseTest.Frozen.class)
@QuarkusTestResource(value = FreezableMongoResource.class, restrictToAnnotatedClass = true)
public class FrozenDatabaseTest {
    public static class Frozen implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("labs.store.operation-timeout", "2s");
        }
    }

    static final String CLICKS = "/experiments/click_tracker/api/clicks";
    /** The common pool has a single thread on a 2-core machine: it would send the "in flight" writes one after another. */
    static final java.util.concurrent.ExecutorService POOL = java.util.concurrent.Executors.newCachedThreadPool();
    /** Far above the bound (2 s operation timeout + 3 s server selection), far below the old 30 s socket timeout. */
    static final RestAssuredConfig CLIENT_GIVES_UP = RestAssuredConfig.config().httpClient(HttpClientConfig.httpClientConfig()
            .setParam("http.socket.timeout", 20_000).setParam("http.connection.timeout", 5_000));

    @Test
    void noRequestHangsWhileTheDatabaseIsFrozen() {
        await().atMost(Duration.ofSeconds(30)).until(() -> Management.management().get("/q/health/ready").statusCode() == 200);
        click().then().statusCode(201);
        FreezableMongoResource.freeze();
        try {
            List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                inFlight.add(CompletableFuture.supplyAsync(() -> click().statusCode(), POOL)); // in parallel, not one by one
            }
            for (CompletableFuture<Integer> r : inFlight) {
                assertEquals(503, r.join(), "a write during the freeze answers 503 (a client timeout would throw)");
            }
            given().config(CLIENT_GIVES_UP).get(CLICKS + "/000000000000000000000000").then().statusCode(503)
                    .header("Retry-After", "5").contentType("application/problem+json");
            await().atMost(Duration.ofSeconds(30)).until(() -> Management.management().get("/q/health/ready").statusCode() == 503);
        } finally {
            FreezableMongoResource.thaw();
        }
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250)).until(() -> click().statusCode() == 201);
    }

    private static Response click() {
        return given().config(CLIENT_GIVES_UP).contentType(ContentType.JSON).body("{\"button\":\"blue\"}").post(CLICKS);
    }
}
