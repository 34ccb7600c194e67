package com.modularlabs.auth;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.store.GnomeShapedMongoResource;
import com.mongodb.client.MongoClient;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
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

    @Inject
    MongoClient mongo;
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
}
