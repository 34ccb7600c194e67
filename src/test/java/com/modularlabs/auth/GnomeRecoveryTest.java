package com.modularlabs.auth;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.store.GnomeShapedMongoResource;
import com.modularlabs.store.TestMongo;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import java.util.Map;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.Test;

/**
 * On a g.nome-shaped database (issue 11): an admin whose password was lost is recovered by one restart with
 * ADMIN_PASSWORD_RESET=true and ADMIN_PASSWORD; a legacy e-mail stored with capitals logs in (any case) and is
 * stored lower-case afterwards, its casbin grant following it.
 */
@QuarkusTest
@TestProfile(GnomeRecoveryTest.Recovery.class)
@QuarkusTestResource(value = GnomeShapedMongoResource.class, restrictToAnnotatedClass = true)
class GnomeRecoveryTest {
    static final String NEW_PASSWORD = "recovered-Admin-pw-93";

    public static class Recovery implements QuarkusTestProfile {
        @Override
        public Map<String, String> getConfigOverrides() {
            return Map.of("labs.auth.admin-email", GnomeShapedMongoResource.LOST_ADMIN, "labs.auth.admin-password", NEW_PASSWORD,
                    "labs.auth.admin-password-reset", "true");
        }
    }

    MongoClient mongo = TestMongo.client();
    @ConfigProperty(name = "quarkus.mongodb.database")
    String dbName;

    static io.restassured.response.Response login(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password)).post("/auth/token");
    }

    @Test
    void aLostAdminPasswordIsResetByOneRestartWithTheResetFlag() {
        login(GnomeShapedMongoResource.LOST_ADMIN, "a-password-nobody-remembers-1").then().statusCode(401);
        String token = login(GnomeShapedMongoResource.LOST_ADMIN, NEW_PASSWORD).then().statusCode(200).extract().path("access_token");
        given().auth().oauth2(token).get("/admin/api/experiments").then().statusCode(200);
    }

    @Test
    void aLegacyCapitalisedEmailLogsInAndIsNormalised() {
        login("dave@example.com", GnomeShapedMongoResource.LEGACY_PASSWORD).then().statusCode(200);
        Document dave = mongo.getDatabase(dbName).getCollection("users").find(Filters.eq("email", "dave@example.com")).first();
        assertEquals("dave@example.com", dave == null ? null : dave.getString("email"), "stored lower-case after the login");
        assertEquals(1, mongo.getDatabase(dbName).getCollection("casbin_rule")
                .countDocuments(Filters.and(Filters.eq("v0", "dave@example.com"), Filters.eq("v1", "editor"))), "grant follows the e-mail");
        login(GnomeShapedMongoResource.LEGACY_EMAIL, GnomeShapedMongoResource.LEGACY_PASSWORD).then().statusCode(200);
        login("dave@example.com", "wrong-password-123").then().statusCode(401);
    }

    @Test
    void folderDifferencesAreShownAndAdoptedAndSecretsAreRedacted() throws Exception {
        String token = login(GnomeShapedMongoResource.LOST_ADMIN, NEW_PASSWORD).then().statusCode(200).extract().path("access_token");
        String base = "/admin/api/experiments/click_tracker";
        String signature = "0123456789abcdef0123456789abcdef";
        io.restassured.response.Response cfg = given().auth().oauth2(token).get(base);
        cfg.then().statusCode(200).body("manifest.runtime_s3_uri", org.hamcrest.Matchers.containsString("X-Amz-Signature=REDACTED"))
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(signature)));

        given().auth().oauth2(token).get(base + "/folder").then().statusCode(200).body("folder", org.hamcrest.Matchers.equalTo(true))
                .body("differs", org.hamcrest.Matchers.equalTo(true))
                .body("changes.find { it.key == 'name' }.database", org.hamcrest.Matchers.equalTo("Click Tracker (g.nome)"))
                .body("changes.find { it.key == 'name' }.folder", org.hamcrest.Matchers.equalTo("Click Tracker"))
                .body("changes.find { it.key == 'runtime_s3_uri' }.database", org.hamcrest.Matchers.containsString("REDACTED"))
                .body(org.hamcrest.Matchers.not(org.hamcrest.Matchers.containsString(signature)));

        // the export carries no secret
        String id = given().auth().oauth2(token).post(base + "/exports").then().statusCode(202).extract().path("id");
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(60))
                .until(() -> "done".equals(given().auth().oauth2(token).get("/admin/api/exports/" + id).path("status")));
        byte[] zip = given().auth().oauth2(token).get("/admin/api/exports/" + id + "/download").then().statusCode(200).extract().asByteArray();
        String manifest = null;
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (java.util.zip.ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals("manifest.json")) {
                    manifest = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
                }
            }
        }
        org.junit.jupiter.api.Assertions.assertTrue(manifest != null && manifest.contains("X-Amz-Signature=REDACTED") && !manifest.contains(signature), manifest);

        // saving the redacted view back keeps the stored secret
        Map<String, Object> edited = new java.util.LinkedHashMap<>(cfg.jsonPath().getMap("manifest"));
        edited.put("description", "edited in the panel");
        String etag = given().auth().oauth2(token).contentType(ContentType.JSON).header("If-Match", cfg.header("ETag")).body(edited)
                .put(base).then().statusCode(200).extract().header("ETag");
        Document stored = mongo.getDatabase(dbName).getCollection("experiments_config").find(Filters.eq("slug", "click_tracker")).first();
        assertEquals(GnomeShapedMongoResource.SIGNED_URL, stored.getString("runtime_s3_uri"));

        given().auth().oauth2(token).header("If-Match", etag).post(base + "/folder/adopt").then().statusCode(200)
                .body("manifest.name", org.hamcrest.Matchers.equalTo("Click Tracker")).body("status", org.hamcrest.Matchers.equalTo("active"));
        given().auth().oauth2(token).get(base + "/folder").then().statusCode(200).body("differs", org.hamcrest.Matchers.equalTo(false));
    }
}
