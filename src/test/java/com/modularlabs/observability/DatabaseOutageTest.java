package com.modularlabs.observability;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import com.modularlabs.store.StoreOutage;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import java.time.Duration;
import java.util.List;
import java.util.logging.Level;
import org.hamcrest.Matchers;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * Database killed while clients write (issue 11): readiness goes DOWN, writes answer 503 problem+json with
 * Retry-After (never 500), one WARN line when the outage starts and one when it ends, no stack trace per request;
 * everything answers again when the database returns. Own profile: it takes the database away.
 */
@QuarkusTest
@TestProfile(DatabaseOutageTest.Outage.class)
@QuarkusTestResource(value = MongoTestResource.class, restrictToAnnotatedClass = true)
class DatabaseOutageTest {
    public static class Outage implements QuarkusTestProfile {
    }

    static final String CLICKS = "/experiments/click_tracker/api/clicks";
    static final String OUTAGE_LOGGER = StoreOutage.class.getName();

    @Test
    void writesGet503WithRetryAfterAndTheOutageIsLoggedOnceEachWay() {
        Assumptions.assumeTrue(MongoTestResource.embedded(), "needs the embedded test server");
        awaitReady(200);
        click().then().statusCode(201);
        try (LogCapture logs = LogCapture.of("")) {
            MongoTestResource.stopDatabase();
            for (int i = 0; i < 4; i++) {
                click().then().statusCode(503).contentType("application/problem+json")
                        .header("Retry-After", "5")
                        .body("status", Matchers.equalTo(503))
                        .body(not(containsString("Mongo")));
            }
            awaitReady(503);
            List<String> started = logs.messages(OUTAGE_LOGGER, Level.WARNING);
            assertEquals(1, started.size(), "one WARN line when the outage starts: " + started);
            assertTrue(started.get(0).startsWith("MongoDB unavailable"), started.get(0));

            MongoTestResource.restartDatabase();
            await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250))
                    .until(() -> click().statusCode() == 201);
            awaitReady(200);
            List<String> both = logs.messages(OUTAGE_LOGGER, Level.WARNING);
            assertEquals(2, both.size(), "one WARN line when the outage starts and one when it ends: " + both);
            assertTrue(both.get(1).startsWith("MongoDB available again"), both.get(1));
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack traces or errors logged during the outage");
        }
    }

    private static Response click() {
        return given().contentType(ContentType.JSON).body("{\"button\":\"red\"}").post(CLICKS);
    }

    private static void awaitReady(int status) {
        await().atMost(Duration.ofSeconds(40)).pollInterval(Duration.ofMillis(250))
                .until(() -> Management.management().get("/q/health/ready").statusCode() == status);
    }
}
