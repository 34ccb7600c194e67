package com.modularlabs.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.anyOf;
import static org.hamcrest.Matchers.equalTo;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.TestSecurity;
import io.restassured.specification.RequestSpecification;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/** Every admin route (HTML, API, downloads) refuses anonymous callers (401) and non-admins (403). */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class AdminSecurityTest {
    static final String ID = "0123456789abcdef01234567";
    static final List<String[]> ROUTES = List.of(
            new String[] {"GET", "/admin"}, new String[] {"GET", "/admin/api/experiments"},
            new String[] {"GET", "/admin/api/experiments/click_tracker"}, new String[] {"PUT", "/admin/api/experiments/click_tracker"},
            new String[] {"POST", "/admin/api/experiments/click_tracker/status"}, new String[] {"POST", "/admin/api/experiments/click_tracker/reload"},
            new String[] {"GET", "/admin/api/experiments/click_tracker/indexes"}, new String[] {"GET", "/admin/api/experiments/click_tracker/files"},
            new String[] {"POST", "/admin/api/experiments/click_tracker/bundle"}, new String[] {"POST", "/admin/api/experiments/click_tracker/exports"},
            new String[] {"GET", "/admin/api/experiments/click_tracker/exports"}, new String[] {"GET", "/admin/api/exports/" + ID},
            new String[] {"GET", "/admin/api/exports/" + ID + "/download"}, new String[] {"POST", "/admin/api/import"});

    void check(int expected) {
        for (String[] r : ROUTES) {
            Function<RequestSpecification, io.restassured.response.Response> call = switch (r[0]) {
                case "GET" -> s -> s.get(r[1]);
                case "PUT" -> s -> s.contentType("application/json").header("If-Match", "\"1\"").body("{\"name\":\"x\"}").put(r[1]);
                default -> s -> r[1].endsWith("status") ? s.contentType("application/json").body("{\"status\":\"inactive\"}").post(r[1])
                        : r[1].endsWith("bundle") || r[1].endsWith("import") ? s.contentType("application/zip").body(new byte[] {1}).post(r[1])
                        : s.post(r[1]);
            };
            io.restassured.response.Response res = call.apply(given().redirects().follow(false));
            org.junit.jupiter.api.Assertions.assertEquals(expected, res.statusCode(), r[0] + " " + r[1]);
            if (expected == 403) { // refusals are problem+json like every other error
                org.junit.jupiter.api.Assertions.assertTrue(String.valueOf(res.contentType()).contains("problem+json"), r[0] + " " + r[1] + ": " + res.contentType());
                org.junit.jupiter.api.Assertions.assertEquals(403, res.jsonPath().getInt("status"), r[0] + " " + r[1]);
            }
        }
        given().get("/experiments/click_tracker/").then().statusCode(anyOf(equalTo(200)));
    }

    @Test
    void anonymousGets401() {
        check(401);
    }

    @Test
    @TestSecurity(user = "someone@example.com", roles = "user")
    void nonAdminGets403() {
        check(403);
    }
}
