package com.modularlabs.registry;

import com.modularlabs.observability.Management;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.not;

import com.modularlabs.store.FreezableMongoResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.ResourceArg;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/**
 * Database unreachable at startup (issue 11): the listener and liveness are up at once, readiness is DOWN, the home
 * page says the service is starting (503, Retry-After); when the database appears the registry loads in the
 * background and the home page lists the experiments.
 */
@QuarkusTest
@TestProfile(StartWithoutDatabaseTest.NoDatabase.class)
@QuarkusTestResource(value = FreezableMongoResource.class, restrictToAnnotatedClass = true,
        initArgs = @ResourceArg(name = "down", value = "true"))
class StartWithoutDatabaseTest {
    public static class NoDatabase implements QuarkusTestProfile {
    }

    @Test
    void startsWithoutTheDatabaseAndLoadsTheRegistryWhenItAppears() {
        Management.management().get("/q/health/live").then().statusCode(200);
        Management.management().get("/q/health/ready").then().statusCode(503);
        given().accept("text/html").get("/").then().statusCode(503).header("Retry-After", "5")
                .contentType(containsString("text/html")).body(containsString("is starting"));
        given().accept("application/json").get("/experiments/click_tracker/api/clicks").then().statusCode(503)
                .contentType("application/problem+json").body("detail", containsString("starting"));

        FreezableMongoResource.startDatabase();
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(250))
                .until(() -> Management.management().get("/q/health/ready").statusCode() == 200);
        given().accept("text/html").get("/").then().statusCode(200)
                .body(containsString("Click Tracker")).body(not(containsString("is starting")));
    }
}
