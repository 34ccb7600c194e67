package com.modularlabs.audit;

import com.modularlabs.auth.AuthFlows;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The audit API over HTTP, logged in through /auth/token. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class AuditApiTest {
    @ConfigProperty(name = "labs.auth.admin-email")
    String adminEmail;

    String admin() {
        return AuthFlows.adminToken();
    }

    @Test
    void userAndRoleChangesAreRecordedWithoutPasswords() {
        String token = admin();
        String email = "audited" + System.nanoTime() + "@example.org";
        String id = given().auth().oauth2(token).contentType("application/json")
                .body(Map.of("email", email, "password", "a secret password 1", "roles", List.of()))
                .post("/admin/api/users").then().statusCode(201).extract().path("id");
        given().auth().oauth2(token).contentType("application/json").body(Map.of("email", email, "role", "auditor"))
                .post("/admin/api/roles/grants").then().statusCode(204);
        given().auth().oauth2(token).post("/admin/api/users/" + id + "/disable").then().statusCode(200);

        Response r = given().auth().oauth2(token).queryParam("actor", adminEmail).queryParam("limit", 200).get("/admin/api/audit");
        r.then().statusCode(200).body("items.find { it.action == 'users.create' && it.target == '" + email + "' }.actor", equalTo(adminEmail))
                .body("items.find { it.action == 'roles.grant' && it.target == '" + email + "' }.after", equalTo("auditor"))
                .body("items.find { it.action == 'users.disable' && it.target == '" + id + "' }.status", equalTo(200))
                .body(not(containsString("a secret password 1")));
        // the action filter
        given().auth().oauth2(token).queryParam("action", "roles.grant").get("/admin/api/audit").then().statusCode(200)
                .body("items.action", hasItem("roles.grant")).body("items.action", not(hasItem("users.create")));
        // reads are not recorded
        given().auth().oauth2(token).get("/admin/api/users").then().statusCode(200);
        given().auth().oauth2(token).queryParam("limit", 200).get("/admin/api/audit").then().statusCode(200)
                .body("items.method", not(hasItem("GET")));
    }

    @Test
    void badFiltersAre400ProblemsAndNonAdminsAreRefused() {
        String token = admin();
        given().auth().oauth2(token).queryParam("since", "yesterday").get("/admin/api/audit").then().statusCode(400)
                .contentType("application/problem+json").body("detail", containsString("ISO-8601"));
        given().auth().oauth2(token).queryParam("limit", 0).get("/admin/api/audit").then().statusCode(400)
                .contentType("application/problem+json");
        given().auth().oauth2(token).queryParam("after", "nope").get("/admin/api/audit").then().statusCode(400);
        given().auth().oauth2(token).queryParam("slug", "{\"$ne\":1}").get("/admin/api/audit").then().statusCode(400);
        given().get("/admin/api/audit").then().statusCode(401);
    }
}
