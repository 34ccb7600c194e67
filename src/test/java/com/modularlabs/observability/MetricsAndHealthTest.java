package com.modularlabs.observability;

import static com.modularlabs.observability.Management.management;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.deploy.MetricNames;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.time.Duration;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class MetricsAndHealthTest {

    @Test
    void metricsExposeTheContractNames() {
        given().get("/api/experiments/click_tracker").then().statusCode(200);
        String body = management().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String name : new String[] {"http_server_requests_seconds", "mongodb_driver_commands_seconds", "mongodb_driver_pool_",
                "cache_gets_total", "jvm_memory_used_bytes", "labs_mongodb_slow_commands_total", "labs_eventloop_lag_seconds",
                "labs_eventloop_blocked_total", "labs_experiments{", "labs_seed_duration_seconds", "labs_registry_reload_seconds",
                "labs_index_builds_in_flight", "labs_index_builds_total"}) {
            if (!body.contains(name)) {
                throw new AssertionError("/q/metrics lacks " + name);
            }
        }
    }

    @Test
    void everyMetricTheAlertsAndDashboardUseIsExposed() {
        given().get("/api/experiments/click_tracker").then().statusCode(200);
        String body = management().get("/q/metrics").then().statusCode(200).extract().asString();
        var missing = MetricNames.missingFrom(MetricNames.required(), body);
        if (!missing.isEmpty()) {
            throw new AssertionError("deploy/ uses metrics this service does not expose: " + missing);
        }
    }

    @Test
    void theConnectionPoolKeepsItsMinimumWarm() {
        // quarkus.mongodb.min-pool-size=10 (seed item 9): the driver opens ten connections in the background
        await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
            String body = management().get("/q/metrics").then().statusCode(200).extract().asString();
            double size = body.lines().filter(l -> l.startsWith("mongodb_driver_pool_size{"))
                    .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).max().orElse(0);
            assertTrue(size >= 10, "pool size " + size + ", expected the minimum of 10");
        });
    }

    @Test
    void healthEndpoints() {
        management().get("/q/health/live").then().statusCode(200).body("status", equalTo("UP"));
        management().get("/q/health/ready").then().statusCode(200).body(containsString("mongodb"));
        management().get("/q/health/started").then().statusCode(200).body(containsString("registry"));
    }
}
