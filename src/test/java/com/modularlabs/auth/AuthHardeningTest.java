package com.modularlabs.auth;

import static com.modularlabs.auth.AuthFlows.ADMIN;
import static com.modularlabs.auth.AuthFlows.adminPanelToken;
import static com.modularlabs.auth.AuthFlows.adminToken;
import static com.modularlabs.auth.AuthFlows.cookieLogin;
import static com.modularlabs.auth.AuthFlows.createUser;
import static com.modularlabs.auth.AuthFlows.navigation;
import static com.modularlabs.auth.AuthFlows.token;
import static com.modularlabs.auth.AuthFlows.tokenCall;
import static com.modularlabs.auth.AuthFlows.unique;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.hasSize;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.bundle.Zips;
import com.modularlabs.store.ChangeFeed;
import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import io.restassured.http.ContentType;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** Issue 9 findings 7 (throttle), 8 (revocation), 9 (cookie, admin origin), 10 (registration), 11 (casbin "Admin"). */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class AuthHardeningTest {
    @Inject
    UserStore store;
    @Inject
    ChangeFeed feed;

    static String origin() {
        return "http://localhost:" + RestAssured.port;
    }

    static String sidOf(String jwt) {
        String payload = new String(Base64.getUrlDecoder().decode(jwt.split("\\.")[1]), StandardCharsets.UTF_8);
        return new io.vertx.core.json.JsonObject(payload).getString("sid");
    }

    // ---- 7: the throttle counts before bcrypt ----

    @Test
    void aParallelBurstGetsAtMostFiveBcryptChecks() {
        String email = unique("burst");
        createUser(email, "burst-password-1", List.of());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
        String body = "{\"email\":\"" + email + "\",\"password\":\"wrong-password\"}";
        List<CompletableFuture<HttpResponse<String>>> burst = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            burst.add(http.sendAsync(HttpRequest.newBuilder(URI.create(origin() + "/auth/token")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString()));
        }
        List<Integer> statuses = burst.stream().map(f -> f.join().statusCode()).toList();
        long checked = statuses.stream().filter(s -> s == 401).count(); // a 401 is an answer from bcrypt
        long refused = statuses.stream().filter(s -> s == 429).count();
        assertEquals(20, checked + refused, "only 401 or 429: " + statuses);
        assertTrue(checked >= 1 && checked <= 5, "at most 5 password checks in a burst of 20, got " + checked + ": " + statuses);
        assertTrue(burst.stream().map(CompletableFuture::join).filter(r -> r.statusCode() == 429)
                .allMatch(r -> r.headers().firstValue("Retry-After").isPresent()), "every 429 says when to retry");
        // while throttled, even the right password gets no answer (no oracle)
        tokenCall(email, "burst-password-1").then().statusCode(429).header("Retry-After", notNullValue());
    }

    // ---- 8: revocation ----

    @Test
    void logoutEndsTheSessionOnTheServer() {
        String email = unique("logout");
        createUser(email, "logout-password-1", List.of());
        String cookie = cookieLogin(email, "logout-password-1");
        given().cookie("labs_session", cookie).get("/auth/me").then().statusCode(200).body("email", equalTo(email));
        given().cookie("labs_session", cookie).header("Origin", origin()).post("/auth/logout").then().statusCode(204);
        // a copy of the cookie taken before the logout is dead
        given().cookie("labs_session", cookie).get("/auth/me").then().statusCode(401);
        // and a bearer token logs out too
        String t = token(email, "logout-password-1");
        given().auth().oauth2(t).post("/auth/logout").then().statusCode(204);
        given().auth().oauth2(t).get("/auth/me").then().statusCode(401);
    }

    @Test
    void passwordResetRoleRevokeAndDisableEndEverySessionAndToken() {
        String email = unique("ends");
        String id = createUser(email, "ends-password-1", List.of("editor"));
        String cookie = cookieLogin(email, "ends-password-1");
        String t = token(email, "ends-password-1");
        given().auth().oauth2(adminToken()).contentType(ContentType.JSON).body(Map.of("password", "ends-password-2"))
                .post("/admin/api/users/" + id + "/password").then().statusCode(204);
        given().cookie("labs_session", cookie).get("/auth/me").then().statusCode(401);
        given().auth().oauth2(t).get("/auth/me").then().statusCode(401);

        String t2 = token(email, "ends-password-2");
        given().auth().oauth2(adminToken()).delete("/admin/api/roles/grants?email=" + email + "&role=editor").then().statusCode(204);
        given().auth().oauth2(t2).get("/auth/me").then().statusCode(401);

        String t3 = token(email, "ends-password-2");
        given().auth().oauth2(adminToken()).post("/admin/api/users/" + id + "/disable").then().statusCode(200);
        given().auth().oauth2(adminToken()).post("/admin/api/users/" + id + "/enable").then().statusCode(200);
        given().auth().oauth2(t3).get("/auth/me").then().statusCode(401);
        given().auth().oauth2(token(email, "ends-password-2")).get("/auth/me").then().statusCode(200);
    }

    @Test
    void changingTheOwnPasswordEndsTheOtherSessions() {
        String email = unique("change");
        createUser(email, "change-password-1", List.of());
        String cookie = cookieLogin(email, "change-password-1");
        String elsewhere = token(email, "change-password-1");
        given().cookie("labs_session", cookie).header("Origin", origin()).contentType(ContentType.JSON)
                .body(Map.of("current_password", "not-the-password", "new_password", "change-password-2"))
                .post("/auth/password").then().statusCode(401);
        String fresh = given().cookie("labs_session", cookie).header("Origin", origin()).contentType(ContentType.JSON)
                .body(Map.of("current_password", "change-password-1", "new_password", "change-password-2"))
                .post("/auth/password").then().statusCode(204).extract().cookie("labs_session");
        given().cookie("labs_session", cookie).get("/auth/me").then().statusCode(401);
        given().auth().oauth2(elsewhere).get("/auth/me").then().statusCode(401);
        given().cookie("labs_session", fresh).get("/auth/me").then().statusCode(200).body("email", equalTo(email));
        tokenCall(email, "change-password-1").then().statusCode(401);
        token(email, "change-password-2");
    }

    @Test
    void sessionCookiesAndApiTokensAreNotInterchangeable() {
        String email = unique("kinds");
        createUser(email, "kinds-password-1", List.of());
        String cookie = cookieLogin(email, "kinds-password-1");
        String t = token(email, "kinds-password-1");
        given().auth().oauth2(cookie).get("/auth/me").then().statusCode(401);
        given().cookie("labs_session", t).get("/auth/me").then().statusCode(401);
        given().cookie("labs_session", cookie).get("/auth/me").then().statusCode(200);
        given().auth().oauth2(t).get("/auth/me").then().statusCode(200);
    }

    @Test
    void adminListsAndEndsAUsersSessions() {
        String email = unique("sessions");
        String id = createUser(email, "sessions-password-1", List.of());
        String t1 = token(email, "sessions-password-1");
        String t2 = token(email, "sessions-password-1");
        String admin = adminToken();
        given().auth().oauth2(admin).get("/admin/api/users/" + id + "/sessions").then().statusCode(200)
                .body("$", hasSize(2)).body("use", everyItemIs("api")).body("id", hasItem(sidOf(t1)));
        given().auth().oauth2(admin).delete("/admin/api/users/" + id + "/sessions/" + sidOf(t1)).then().statusCode(204);
        given().auth().oauth2(t1).get("/auth/me").then().statusCode(401);
        given().auth().oauth2(t2).get("/auth/me").then().statusCode(200);
        given().auth().oauth2(admin).delete("/admin/api/users/" + id + "/sessions/" + sidOf(t1)).then().statusCode(404);
        given().auth().oauth2(admin).delete("/admin/api/users/" + id + "/sessions").then().statusCode(200).body("ended", equalTo(1));
        given().auth().oauth2(t2).get("/auth/me").then().statusCode(401);
    }

    private static org.hamcrest.Matcher<Iterable<? extends String>> everyItemIs(String v) {
        return org.hamcrest.Matchers.everyItem(equalTo(v));
    }

    @Test
    void aSessionEndedByAnotherReplicaIsRefusedHere() {
        String email = unique("replica");
        String id = createUser(email, "replica-password-1", List.of());
        String t = token(email, "replica-password-1");
        given().auth().oauth2(t).get("/auth/me").then().statusCode(200); // now cached on this replica
        // another replica ends the user's sessions: its own database write plus its change-feed notice
        store.coll(Sessions.SESSIONS).deleteMany(Filters.eq("user_id", id)).await().atMost(Duration.ofSeconds(10));
        feed.touch(Sessions.SESSIONS, id).await().atMost(Duration.ofSeconds(10));
        Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(100))
                .until(() -> given().auth().oauth2(t).get("/auth/me").statusCode() == 401);
    }

    // ---- 10: registration never grants what allowed_users grants ----

    @Test
    void selfRegistrationCannotClaimAnAllowedUsersAddressAnInviteCan() {
        String invited = unique("invited");
        String slug = "members_" + UUID.randomUUID().toString().substring(0, 6);
        byte[] zip = new Zips().add("manifest.json", "{\"name\": \"Members\", \"slug\": \"" + slug + "\", \"status\": \"active\","
                + " \"auth_required\": true, \"auth_policy\": {\"allowed_users\": [\"" + invited + "\"]},"
                + " \"collections\": {\"notes\": {\"read\": \"user\", \"create\": \"user\"}}}").add("static/index.html", "<h1>members only</h1>").bytes();
        given().auth().oauth2(adminToken()).contentType("application/zip").body(zip).post("/admin/api/experiments/" + slug + "/bundle")
                .then().statusCode(200);
        // an attacker registers the listed address first
        String squatter = given().contentType(ContentType.JSON)
                .body(Map.of("email", invited, "password", "squatter-pass-1", "password_confirm", "squatter-pass-1"))
                .post("/auth/register").then().statusCode(201).body("email_verified", equalTo(false)).extract().cookie("labs_session");
        given().cookie("labs_session", squatter).get("/auth/me").then().statusCode(200).body("email_verified", equalTo(false));
        given().cookie("labs_session", squatter).accept(ContentType.JSON).get("/experiments/" + slug + "/").then().statusCode(403);
        given().cookie("labs_session", squatter).accept(ContentType.JSON).get("/experiments/" + slug + "/api/notes").then().statusCode(403);

        // the admin invites the real owner; the link proves the address
        String path = given().auth().oauth2(adminToken()).contentType(ContentType.JSON).body(Map.of("email", invited))
                .post("/admin/api/invites").then().statusCode(201).body("url", containsString("/auth/invite/")).extract().path("path");
        given().get(path).then().statusCode(200).body(containsString(invited));
        String owner = given().contentType(ContentType.JSON).body(Map.of("password", "owner-password-1", "password_confirm", "owner-password-1"))
                .post(path).then().statusCode(200).body("email_verified", equalTo(true)).extract().cookie("labs_session");
        given().cookie("labs_session", owner).accept(ContentType.JSON).get("/experiments/" + slug + "/").then().statusCode(200)
                .body(containsString("members only"));
        // one use only; the squatter's session and password are gone
        given().contentType(ContentType.JSON).body(Map.of("password", "again-password-1", "password_confirm", "again-password-1"))
                .post(path).then().statusCode(404);
        given().cookie("labs_session", squatter).get("/auth/me").then().statusCode(401);
        tokenCall(invited, "squatter-pass-1").then().statusCode(401);
        // invites are for admins only
        given().auth().oauth2(token(invited, "owner-password-1")).contentType(ContentType.JSON).body(Map.of("email", unique("x")))
                .post("/admin/api/invites").then().statusCode(403);
    }

    // ---- 11: revoking admin removes g.nome's "Admin" spellings ----

    @Test
    void revokingAdminRemovesCasbinRowsAndRolesInAnySpelling() {
        String email = unique("gnome-admin");
        createUser(email, "gnome-admin-pass-1", List.of());
        store.coll(UserStore.CASBIN).insertMany(List.of(
                new Document("ptype", "g").append("v0", email).append("v1", "Admin"),
                new Document("ptype", "g").append("v0", email).append("v1", "role:ADMIN"),
                new Document("ptype", "g").append("v0", email).append("v1", "editor"))).await().atMost(Duration.ofSeconds(10));
        store.users().updateOne(Filters.eq("email", email), new Document("$set", new Document("roles", List.of("Admin"))))
                .await().atMost(Duration.ofSeconds(10));
        given().auth().oauth2(token(email, "gnome-admin-pass-1")).get("/auth/me").then().statusCode(200).body("admin", equalTo(true));
        given().auth().oauth2(adminToken()).delete("/admin/api/roles/grants?email=" + email + "&role=admin").then().statusCode(204);
        given().auth().oauth2(token(email, "gnome-admin-pass-1")).get("/auth/me").then().statusCode(200)
                .body("admin", equalTo(false)).body("roles", hasItem("editor"));
        given().auth().oauth2(adminToken()).get("/admin/api/roles").then().statusCode(200)
                .body("find { it.role == 'admin' }.users", not(hasItem(email)));
        List<Document> left = store.coll(UserStore.CASBIN).find(Filters.eq("v0", email)).collect().asList().await().atMost(Duration.ofSeconds(10));
        assertEquals(List.of("editor"), left.stream().map(d -> d.getString("v1")).toList());
    }

    // ---- 9 (part): cookie flags, HSTS and the admin origin over HTTP ----

    @Test
    void plainHttpWithoutTrustedProxyGetsNoSecureFlagNorHsts() {
        String email = unique("plain");
        createUser(email, "plain-password-1", List.of());
        // X-Forwarded-Proto is not trusted here (LABS_TRUST_PROXY off): it cannot turn the flags on or off
        var r = given().header("X-Forwarded-Proto", "https").contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "plain-password-1")).post("/auth/login").then().statusCode(200).extract();
        String setCookie = r.header("Set-Cookie");
        assertTrue(setCookie.contains("HttpOnly") && setCookie.contains("SameSite=Lax"), setCookie);
        assertFalse(setCookie.contains("Secure"), setCookie);
        assertEquals(null, r.header("Strict-Transport-Security"));
    }

    @Test
    void aCookieSessionDoesNotCarryTheAdminRoleOnExperimentRoutes() {
        String slug = "vault_" + UUID.randomUUID().toString().substring(0, 6);
        byte[] zip = new Zips().add("manifest.json", "{\"name\": \"Vault\", \"slug\": \"" + slug + "\", \"status\": \"active\","
                + " \"collections\": {\"secrets\": {\"read\": \"admin\", \"create\": \"admin\"}}}").add("static/index.html", "<h1>vault</h1>").bytes();
        String bearer = adminToken();
        given().auth().oauth2(bearer).contentType("application/zip").body(zip).post("/admin/api/experiments/" + slug + "/bundle").then().statusCode(200);
        given().auth().oauth2(bearer).contentType(ContentType.JSON).body(Map.of("code", "1234"))
                .post("/experiments/" + slug + "/api/secrets").then().statusCode(201);
        given().auth().oauth2(bearer).get("/experiments/" + slug + "/api/secrets").then().statusCode(200).body(containsString("1234"));
        // what a hostile page's script could do with a visiting admin's cookie: it is an ordinary user there
        String cookie = cookieLogin(ADMIN, AuthFlows.ADMIN_PW);
        given().cookie("labs_session", cookie).get("/experiments/" + slug + "/api/secrets").then().statusCode(403).body(not(containsString("1234")));
        given().cookie("labs_session", cookie).get("/auth/me").then().statusCode(200).body("admin", equalTo(true));
    }

    @Test
    void adminApiRefusesCookieRequestsThatDoNotComeFromThePanel() {
        String cookie = cookieLogin(ADMIN, AuthFlows.ADMIN_PW);
        // what an experiment page's fetch('/admin/api/users') sends: same origin, the cookie, no panel token
        given().cookie("labs_session", cookie).header("Sec-Fetch-Site", "same-origin").header("Sec-Fetch-Mode", "cors")
                .header("Sec-Fetch-Dest", "empty").get("/admin/api/users").then().statusCode(403)
                .body(not(containsString(ADMIN))).body("detail", containsString(AdminOriginGuard.HEADER));
        // nor can it fetch() the panel page to read the token from it
        given().cookie("labs_session", cookie).header("Sec-Fetch-Site", "same-origin").header("Sec-Fetch-Mode", "cors")
                .header("Sec-Fetch-Dest", "empty").get("/admin").then().statusCode(403).body(not(containsString("labs-admin-token")));
        given().cookie("labs_session", cookie).header(AdminOriginGuard.HEADER, "forged").get("/admin/api/users").then().statusCode(403);
        // the panel itself: a top-level navigation, framing and window handles refused by headers
        navigation().cookie("labs_session", cookie).get("/admin").then().statusCode(200)
                .header("Content-Security-Policy", containsString("frame-ancestors 'none'"))
                .header("Cross-Origin-Opener-Policy", equalTo("same-origin"));
        String panelToken = adminPanelToken(cookie);
        given().cookie("labs_session", cookie).header(AdminOriginGuard.HEADER, panelToken).get("/admin/api/users").then().statusCode(200)
                .body("items.email", hasItem(ADMIN));
        // the token belongs to that session only
        String other = cookieLogin(ADMIN, AuthFlows.ADMIN_PW);
        given().cookie("labs_session", other).header(AdminOriginGuard.HEADER, panelToken).get("/admin/api/users").then().statusCode(403);
        // bearer clients are unaffected
        given().auth().oauth2(adminToken()).get("/admin/api/users").then().statusCode(200);
    }
}
