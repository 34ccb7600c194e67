package com.modularlabs.admin;

import com.modularlabs.auth.AuthFlows;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.nullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.path.json.JsonPath;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/** The admin data browser's routes over HTTP (login through /auth/token): the data API's rules, admin access, audit. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class DataAdminApiTest {
    @ConfigProperty(name = "labs.auth.admin-email")
    String adminEmail;

    String admin() {
        return AuthFlows.adminToken();
    }

    /** An experiment whose "notes" anyone may add to but nobody may read or change through the data API. */
    static void experimentWithHiddenNotes(String token, String slug) {
        given().auth().oauth2(token).contentType("application/json").body(Map.of("name", "Data " + slug, "slug", slug))
                .post("/admin/api/experiments").then().statusCode(201);
        String etag = given().auth().oauth2(token).get("/admin/api/experiments/" + slug).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(token).contentType("application/json").header("If-Match", etag).body("""
                {"name": "Data %s", "status": "active", "auth_required": false,
                 "collections": {"notes": {"read": "none", "create": "public", "update": "none", "delete": "none",
                   "schema": {"type": "object", "required": ["title"], "properties": {"title": {"type": "string", "maxLength": 20}}}}}}
                """.formatted(slug)).put("/admin/api/experiments/" + slug).then().statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().contentType("application/json").body(Map.of("title", "first"))
                .post("/experiments/" + slug + "/api/notes").statusCode() == 201);
    }

    @Test
    void pagesEditsAndDeletesThroughTheDataRulesAndAudits() {
        String token = admin();
        String slug = "dadm_" + Long.toString(System.nanoTime(), 36);
        experimentWithHiddenNotes(token, slug);
        for (int i = 2; i <= 5; i++) {
            given().contentType("application/json").body(Map.of("title", "note " + i)).post("/experiments/" + slug + "/api/notes").then().statusCode(201);
        }
        String base = "/admin/api/experiments/" + slug + "/data";
        // the data API refuses reading; the admin sees the collection with its count
        given().get("/experiments/" + slug + "/api/notes").then().statusCode(org.hamcrest.Matchers.greaterThanOrEqualTo(401));
        given().auth().oauth2(token).get(base).then().statusCode(200).body("collections.find { it.name == 'notes' }.count", equalTo(5))
                .body("collections.find { it.name == 'notes' }.schema", equalTo(true));

        // keyset pages of two, then a filter and a sort
        List<String> titles = new ArrayList<>();
        String after = null;
        do {
            var req = given().auth().oauth2(token).queryParam("limit", 2).queryParam("sort", "title");
            if (after != null) {
                req.queryParam("after", after);
            }
            JsonPath page = req.get(base + "/notes").then().statusCode(200).extract().jsonPath();
            titles.addAll(page.getList("items.title", String.class));
            after = page.getString("next");
        } while (after != null);
        assertEquals(List.of("first", "note 2", "note 3", "note 4", "note 5"), titles);
        String id = given().auth().oauth2(token).queryParam("filter", "{\"title\": \"note 3\"}").queryParam("count", true).get(base + "/notes")
                .then().statusCode(200).body("items", hasSize(1)).body("count", equalTo(1)).extract().path("items[0]._id.$oid");
        given().auth().oauth2(token).queryParam("filter", "{\"$where\": \"1\"}").get(base + "/notes").then().statusCode(400)
                .contentType("application/problem+json");

        // edit: the schema is checked (error at its path), then a valid edit is stored and audited with before/after
        given().auth().oauth2(token).get(base + "/notes/" + id).then().statusCode(200).body("title", equalTo("note 3"));
        given().auth().oauth2(token).contentType("application/json").body(Map.of("title", 42)).put(base + "/notes/" + id).then().statusCode(400)
                .contentType("application/problem+json").body("errors.path", hasItem(containsString("title")));
        given().auth().oauth2(token).contentType("application/json").body(Map.of("title", "x".repeat(21))).put(base + "/notes/" + id)
                .then().statusCode(400);
        given().auth().oauth2(token).contentType("application/json").body(Map.of("title", "edited")).put(base + "/notes/" + id)
                .then().statusCode(200).body("title", equalTo("edited")).body("_id.$oid", equalTo(id));
        given().auth().oauth2(token).get(base + "/notes/" + id).then().statusCode(200).body("title", equalTo("edited"));
        given().auth().oauth2(token).queryParam("slug", slug).queryParam("action", "data.replace").get("/admin/api/audit").then().statusCode(200)
                .body("items[0].target", equalTo("notes/" + id)).body("items[0].before.title", equalTo("note 3"))
                .body("items[0].after.title", equalTo("edited")).body("items[0].actor", equalTo(adminEmail));

        // delete, audited with the document as it was
        given().auth().oauth2(token).delete(base + "/notes/" + id).then().statusCode(204);
        given().auth().oauth2(token).get(base + "/notes/" + id).then().statusCode(404).contentType("application/problem+json");
        given().auth().oauth2(token).queryParam("slug", slug).queryParam("action", "data.delete").get("/admin/api/audit").then().statusCode(200)
                .body("items[0].before.title", equalTo("edited")).body("items[0].after", nullValue());
        given().auth().oauth2(token).get(base).then().statusCode(200).body("collections.find { it.name == 'notes' }.count", equalTo(4));
    }

    @Test
    void unknownThingsAre404AndNonAdminsAreRefused() {
        String token = admin();
        given().auth().oauth2(token).get("/admin/api/experiments/no_such_data/data").then().statusCode(404)
                .contentType("application/problem+json");
        given().auth().oauth2(token).get("/admin/api/experiments/no_such_data/data/notes").then().statusCode(404);
        given().get("/admin/api/experiments/no_such_data/data").then().statusCode(401);
        String email = "plain" + System.nanoTime() + "@example.org";
        given().auth().oauth2(token).contentType("application/json").body(Map.of("email", email, "password", "a long password 1", "roles", List.of()))
                .post("/admin/api/users").then().statusCode(201);
        String user = given().contentType("application/json").body(Map.of("email", email, "password", "a long password 1"))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
        given().auth().oauth2(user).get("/admin/api/experiments/no_such_data/data").then().statusCode(403);
    }
}
