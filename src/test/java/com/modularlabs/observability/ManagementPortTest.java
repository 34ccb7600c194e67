package com.modularlabs.observability;

import static com.modularlabs.observability.Management.management;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Issue 9 finding 9: operator endpoints are on the management port only, never on the port visitors reach. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ManagementPortTest {

    @ParameterizedTest
    @ValueSource(strings = {"/q/metrics", "/q/openapi", "/q/health", "/q/health/live", "/q/health/ready", "/q/health/started"})
    void operatorEndpointsAreOnTheManagementPortOnly(String path) {
        assertNotEquals(RestAssured.port, Management.port(), "the management interface has its own port");
        given().get(path).then().statusCode(404);
        management().get(path).then().statusCode(200);
    }

    @Test
    void theManagementPortServesNoApplicationRoute() {
        given().get("/api/experiments").then().statusCode(200);
        management().get("/api/experiments").then().statusCode(404);
        management().get("/q/metrics").then().body(containsString("http_server_requests_seconds"));
    }
}
