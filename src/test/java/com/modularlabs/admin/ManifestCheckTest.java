package com.modularlabs.admin;

import com.modularlabs.auth.AuthFlows;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.empty;
import static org.hamcrest.Matchers.hasItem;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The manifest editor's check as you type (same validation as a save, nothing stored) and its code editor assets. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class ManifestCheckTest {

    String admin() {
        return AuthFlows.adminToken();
    }

    @Test
    void errorsAtTheirPathsWithoutSaving() {
        String token = admin();
        given().auth().oauth2(token).contentType("application/json").body("{\"name\": \"Ok\", \"status\": \"active\"}")
                .post("/admin/api/experiments/check_me/manifest/check").then().statusCode(200).body("errors", empty());
        given().auth().oauth2(token).contentType("application/json").body("{\"name\": \"Bad\", \"status\": 42, \"collections\": {\"notes\": {\"read\": \"everyone\"}}}")
                .post("/admin/api/experiments/check_me/manifest/check").then().statusCode(200)
                .body("errors.path", hasItem("$.status")).body("errors.path", hasItem("$.collections.notes.read"));
        // nothing was stored
        given().auth().oauth2(token).get("/admin/api/experiments/check_me").then().statusCode(404);
        // not JSON, not an object: a problem naming it
        given().auth().oauth2(token).contentType("application/json").body("{\"name\": ")
                .post("/admin/api/experiments/check_me/manifest/check").then().statusCode(400).contentType("application/problem+json");
        given().auth().oauth2(token).contentType("application/json").body("[]")
                .post("/admin/api/experiments/check_me/manifest/check").then().statusCode(400).contentType("application/problem+json");
        given().contentType("application/json").body("{}").post("/admin/api/experiments/check_me/manifest/check").then().statusCode(401);
    }

    @Test
    void theEditorLibraryIsServedFromTheJarsAndAllowedByTheImportMapHash() throws Exception {
        String token = admin();
        given().auth().oauth2(token).contentType("application/json").body(Map.of("name", "Editor host", "slug", "editor_host"))
                .post("/admin/api/experiments").then().statusCode(201);
        var page = given().auth().oauth2(token).accept("text/html").get("/admin/experiments/editor_host").then().statusCode(200);
        String html = page.extract().asString();
        String csp = page.extract().header("Content-Security-Policy");
        String map = html.substring(html.indexOf("<script type=\"importmap\">") + 25, html.indexOf("</script>", html.indexOf("importmap")));
        String hash = "'sha256-" + java.util.Base64.getEncoder().encodeToString(java.security.MessageDigest.getInstance("SHA-256")
                .digest(map.getBytes(java.nio.charset.StandardCharsets.UTF_8))) + "'";
        org.junit.jupiter.api.Assertions.assertTrue(csp.contains(hash), csp + " / " + hash);
        String view = io.restassured.path.json.JsonPath.from(map).getString("imports.'@codemirror/view'");
        given().get(view).then().statusCode(200).contentType(containsString("javascript")).body(containsString("EditorView"));
    }
}
