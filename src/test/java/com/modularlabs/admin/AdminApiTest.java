package com.modularlabs.admin;

import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.notNullValue;

import com.modularlabs.bundle.Zips;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.TestSecurity;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestSecurity(user = "admin@example.com", roles = "admin")
class AdminApiTest {

    static void install(String slug, String html) {
        given().contentType("application/zip").body(Zips.bundle(slug, "Exp " + slug, html)
                        .add("static/logo.bin", new byte[] {0, 1, 2, 3, (byte) 0xff}).bytes())
                .post("/admin/api/experiments/" + slug + "/bundle").then().statusCode(200);
    }

    @Test
    void listHasThreeGroupsWithExportCounts() {
        install("listed", "<p>hi</p>");
        given().get("/admin/api/experiments").then().statusCode(200)
                .body("configured.slug", hasItem("listed")).body("configured.slug", hasItem("click_tracker"))
                .body("configured.find { it.slug == 'listed' }.export_count", equalTo(0))
                .body("configured.find { it.slug == 'listed' }.source", equalTo("bundle"))
                .body("discovered", notNullValue()).body("orphaned", notNullValue());
        io.restassured.path.json.JsonPath page = given().queryParam("limit", 1).get("/admin/api/experiments").then().statusCode(200)
                .body("next", notNullValue()).extract().jsonPath();
        org.junit.jupiter.api.Assertions.assertEquals(1, page.getList("configured").size() + page.getList("orphaned").size());
    }

    @Test
    void manifestSaveNeedsCurrentVersion() {
        install("edited", "<p>e</p>");
        String etag = given().get("/admin/api/experiments/edited").then().statusCode(200)
                .body("manifest.name", equalTo("Exp edited")).extract().header("ETag");
        String body = "{\"name\": \"Renamed\", \"status\": \"active\"}";
        given().contentType("application/json").body(body).put("/admin/api/experiments/edited").then().statusCode(428);
        String etag2 = given().contentType("application/json").header("If-Match", etag).body(body)
                .put("/admin/api/experiments/edited").then().statusCode(200).body("manifest.name", equalTo("Renamed"))
                // full replace: the collections key the editor removed is gone (g.nome's merge kept it)
                .body("manifest.collections", org.hamcrest.Matchers.nullValue())
                .extract().header("ETag");
        // a concurrent editor still holding the first version loses
        given().contentType("application/json").header("If-Match", etag).body("{\"name\": \"Stale\"}")
                .put("/admin/api/experiments/edited").then().statusCode(412).contentType(containsString("application/problem+json"));
        given().get("/admin/api/experiments/edited").then().body("manifest.name", equalTo("Renamed")).header("ETag", etag2);
        given().contentType("application/json").header("If-Match", etag2).body("{\"description\": 5}")
                .put("/admin/api/experiments/edited").then().statusCode(400).body("errors.path", hasItem("$"));
        given().contentType("application/json").header("If-Match", etag2).body("[]")
                .put("/admin/api/experiments/edited").then().statusCode(400);
    }

    @Test
    void statusSwitchTakesEffectAtOnce() {
        install("switched", "<p>on</p>");
        given().get("/experiments/switched/").then().statusCode(200);
        given().contentType("application/json").body("{\"status\": \"inactive\"}").post("/admin/api/experiments/switched/status")
                .then().statusCode(200).body("status", equalTo("inactive"));
        given().get("/experiments/switched/").then().statusCode(404);
        given().get("/api/experiments/switched").then().statusCode(404);
        given().contentType("application/json").body("{\"status\": \"active\"}").post("/admin/api/experiments/switched/status")
                .then().statusCode(200);
        given().get("/experiments/switched/").then().statusCode(200).body(containsString("on"));
        given().contentType("application/json").body("{\"status\": \"bogus\"}").post("/admin/api/experiments/switched/status")
                .then().statusCode(400).body("errors.path", hasItem("$.status"));
        given().post("/admin/api/experiments/switched/reload").then().statusCode(200).body("slug", equalTo("switched"));
    }

    @Test
    void fileViewerRefusesTraversalAndDetectsBinary() {
        install("files", "<p>text file</p>");
        given().get("/admin/api/experiments/files/files").then().statusCode(200).body("files.path", hasItem("static/index.html"));
        given().queryParam("path", "static/index.html").get("/admin/api/experiments/files/files").then().statusCode(200)
                .body("is_binary", equalTo(false)).body("content", containsString("text file"));
        given().queryParam("path", "static/logo.bin").get("/admin/api/experiments/files/files").then().statusCode(200)
                .body("is_binary", equalTo(true)).body("content", org.hamcrest.Matchers.nullValue());
        for (String bad : new String[] {"../../pom.xml", "/etc/passwd", "static/../../x", "static\\..\\x", "a/./b"}) {
            given().queryParam("path", bad).get("/admin/api/experiments/files/files").then().statusCode(400);
        }
        given().queryParam("path", "nope.txt").get("/admin/api/experiments/files/files").then().statusCode(404);
    }

    @Test
    void slugsAreValidatedEverywhere() {
        for (String slug : new String[] {"..", "%2e%2e", "UPPER", "-x"}) {
            given().urlEncodingEnabled(false).get("/admin/api/experiments/" + slug).then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(404), equalTo(400)));
            given().urlEncodingEnabled(false).queryParam("path", "manifest.json").get("/admin/api/experiments/" + slug + "/files")
                    .then().statusCode(org.hamcrest.Matchers.anyOf(equalTo(404), equalTo(400)));
        }
    }

    @Test
    void indexStatusIsAnArray() {
        install("indexed", "<p>i</p>");
        given().get("/admin/api/experiments/indexed/indexes").then().statusCode(200)
                .body("$", org.hamcrest.Matchers.instanceOf(java.util.List.class));
    }
}
