package com.modularlabs.auth;

import com.modularlabs.observability.Management;
import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.hamcrest.Matchers.equalTo;
import static org.hamcrest.Matchers.hasItem;
import static org.hamcrest.Matchers.not;
import static org.hamcrest.Matchers.notNullValue;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.ChangeFeed;
import com.modularlabs.store.MongoTestResource;
import com.mongodb.client.model.Filters;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import io.restassured.response.Response;
import io.smallrye.jwt.build.Jwt;
import io.vertx.core.Vertx;
import jakarta.inject.Inject;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import javax.crypto.spec.SecretKeySpec;
import org.bson.Document;
import org.bson.types.Binary;
import org.junit.jupiter.api.Test;

@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class AuthTest {
    static final String ADMIN = "admin@example.com";
    static final String ADMIN_PW = "test-admin-password-1";
    /** The OpenBSD/passlib bcrypt vector for "U*U", as g.nome's Python bcrypt writes it ($2b$). */
    static final String GNOME_2B = "$2b$05$CCCCCCCCCCCCCCCCCCCCC.E5YPO9kmyuRGyh0XouQYb4YMJKvyOeW";

    @Inject
    UserStore store;
    @Inject
    Passwords passwords;
    @Inject
    TokenService tokens;
    @Inject
    ChangeFeed feed;
    @Inject
    Vertx vertx;

    static String unique(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
    }

    static Response tokenCall(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password)).post("/auth/token");
    }

    static String token(String email, String password) {
        return tokenCall(email, password).then().statusCode(200).extract().path("access_token");
    }

    static String adminToken() {
        return token(ADMIN, ADMIN_PW);
    }

    static String createUser(String email, String password, List<String> roles) {
        return given().auth().oauth2(adminToken()).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", password, "roles", roles))
                .post("/admin/api/users").then().statusCode(201).extract().path("id");
    }

    @Test
    void adminIsBootstrappedAndGetsABearerToken() {
        tokenCall(ADMIN, ADMIN_PW).then().statusCode(200).body("token_type", equalTo("Bearer"))
                .body("expires_in", equalTo(900)).body("access_token", notNullValue());
        given().auth().oauth2(adminToken()).get("/auth/me").then().statusCode(200)
                .body("email", equalTo(ADMIN)).body("admin", equalTo(true)).body("roles", hasItem("admin"));
        // only the hash is stored, as bcrypt $2b$
        Document admin = store.users().find(Filters.eq("email", ADMIN)).collect().first().await().atMost(Duration.ofSeconds(5));
        assertTrue(admin.getString("password_hash").startsWith("$2b$"));
        // the signing secret was generated once and kept in the database (LABS_TOKEN_SECRET unset in tests)
        assertNotNull(store.coll(UserStore.SETTINGS).find(Filters.eq("_id", "token_secret")).collect().first().await().atMost(Duration.ofSeconds(5)));
    }

    @Test
    void unknownUserAndWrongPasswordLookTheSame() {
        String email = unique("enum");
        createUser(email, "correct-horse-1", List.of());
        Response wrong = tokenCall(email, "wrong-password");
        Response unknown = tokenCall(unique("nobody"), "wrong-password");
        assertEquals(401, wrong.statusCode());
        assertEquals(wrong.statusCode(), unknown.statusCode());
        assertEquals(wrong.contentType(), unknown.contentType());
        assertEquals(wrong.body().asString(), unknown.body().asString());
        // and cost the same: an unknown user is verified against a dummy hash of the same version and cost (bcrypt's
        // work is 2^cost rounds), not skipped. Compared by cost, not by timing: a timed assertion fails on a busy machine.
        String real = passwords.hashBlocking("some-password");
        String dummy = passwords.dummy();
        assertEquals(real.substring(0, 7), dummy.substring(0, 7), "version and cost of the dummy hash");
        assertEquals(60, dummy.length());
        assertFalse(passwords.verifyBlocking("x", null));
        assertFalse(passwords.verifyBlocking(null, "not-a-hash"));
    }

    @Test
    void fiveFailuresPerIpAndEmailGive429WithRetryAfter() {
        String email = unique("throttle");
        createUser(email, "right-password-1", List.of());
        for (int i = 0; i < 5; i++) {
            // X-Forwarded-For is not trusted by default: changing it does not reset the count
            given().header("X-Forwarded-For", "10.0.0." + i).contentType(ContentType.JSON)
                    .body(Map.of("email", email, "password", "wrong")).post("/auth/token").then().statusCode(401);
        }
        given().header("X-Forwarded-For", "10.9.9.9").contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "right-password-1")).post("/auth/token")
                .then().statusCode(429).contentType(containsString("application/problem+json")).header("Retry-After", notNullValue());
        // another e-mail from the same client is unaffected
        String other = unique("throttle2");
        createUser(other, "right-password-1", List.of());
        token(other, "right-password-1");
        String metrics = Management.management().get("/q/metrics").then().statusCode(200).extract().asString();
        assertTrue(metrics.contains("labs_auth_logins_total{result=\"throttled\"}"), "throttled counter");
        assertTrue(metrics.contains("labs_auth_logins_total{result=\"success\"}"), "success counter");
        assertTrue(metrics.contains("labs_auth_logins_total{result=\"failure\"}"), "failure counter");
    }

    @Test
    void registrationCannotTakeOverRolesOrAdmins() {
        for (String bad : new String[] {"admin", "role:admin", "editor", "a@b", "x y@example.com", "<s>@example.com", "user@exa mple.com", ""}) {
            given().contentType(ContentType.JSON).body(Map.of("email", bad, "password", "long-enough-1", "password_confirm", "long-enough-1"))
                    .post("/auth/register").then().statusCode(400).contentType(containsString("application/problem+json"));
        }
        // an existing admin address, in another case, cannot be registered again
        given().contentType(ContentType.JSON).body(Map.of("email", "ADMIN@Example.COM", "password", "long-enough-1", "password_confirm", "long-enough-1"))
                .post("/auth/register").then().statusCode(409);
        token(ADMIN, ADMIN_PW);
        // a stale g.nome grant for an address does not pass to whoever registers it
        String email = unique("Reg").toUpperCase();
        store.coll(UserStore.CASBIN).insertOne(new Document("ptype", "g").append("v0", email.toLowerCase()).append("v1", "admin"))
                .await().atMost(Duration.ofSeconds(5));
        given().contentType(ContentType.JSON).body(Map.of("email", email, "password", "long-enough-1", "password_confirm", "long-enough-1"))
                .post("/auth/register").then().statusCode(201).body("email", equalTo(email.toLowerCase())).body("roles.size()", equalTo(0));
        given().auth().oauth2(token(email.toLowerCase(), "long-enough-1")).get("/auth/me").then().statusCode(200).body("admin", equalTo(false));
    }

    @Test
    void nextAcceptsLocalPathsOnly() {
        String email = unique("next");
        createUser(email, "next-password-1", List.of());
        for (String evil : new String[] {"//evil.example", "https://evil.example/", "/\\evil.example", "\\\\evil.example", "javascript:alert(1)", "/\t/evil.example"}) {
            String loc = given().redirects().follow(false).contentType(ContentType.URLENC)
                    .formParam("email", email).formParam("password", "next-password-1").formParam("next", evil)
                    .post("/auth/login").then().statusCode(303).extract().header("Location");
            assertFalse(loc.contains("evil"), evil + " -> " + loc);
        }
        String loc = given().redirects().follow(false).contentType(ContentType.URLENC)
                .formParam("email", email).formParam("password", "next-password-1").formParam("next", "/experiments/x/?a=1")
                .post("/auth/login").then().statusCode(303).extract().header("Location");
        assertTrue(loc.endsWith("/experiments/x/?a=1"), loc);
        assertEquals("/", AuthResource.safeNext("//evil.example"));
        assertEquals("/", AuthResource.safeNext("/\\evil.example"));
        assertEquals("/", AuthResource.safeNext("https://evil.example"));
        assertEquals("/admin", AuthResource.safeNext("/admin"));
        given().get("/auth/login?next=//evil.example").then().statusCode(200).body(not(containsString("evil.example")));
    }

    @Test
    void browserLoginSetsAHardenedCookieAndLogoutClearsIt() {
        String email = unique("cookie");
        createUser(email, "cookie-password-1", List.of());
        given().contentType(ContentType.URLENC).formParam("email", email).formParam("password", "bad")
                .post("/auth/login").then().statusCode(401).contentType(containsString("text/html")).body(containsString("Invalid e-mail or password"));
        Response r = given().redirects().follow(false).contentType(ContentType.URLENC)
                .formParam("email", email).formParam("password", "cookie-password-1").post("/auth/login");
        assertEquals(303, r.statusCode());
        String setCookie = r.header("Set-Cookie");
        assertTrue(setCookie.startsWith("labs_session="), setCookie);
        assertTrue(setCookie.contains("HttpOnly"), setCookie);
        assertTrue(setCookie.toLowerCase().contains("samesite=lax"), setCookie);
        assertFalse(setCookie.contains("Secure"), "plain http: not Secure " + setCookie);
        String session = r.cookie("labs_session");
        given().cookie("labs_session", session).get("/auth/me").then().statusCode(200).body("email", equalTo(email));
        String cleared = given().cookie("labs_session", session).header("Origin", baseOrigin()).post("/auth/logout")
                .then().statusCode(204).extract().header("Set-Cookie");
        assertTrue(cleared.contains("Max-Age=0"), cleared);
    }

    static String baseOrigin() {
        return "http://localhost:" + io.restassured.RestAssured.port;
    }

    @Test
    void crossSiteCookiePostsAreRefusedBearerIsNot() {
        String cookie = given().contentType(ContentType.JSON).body(Map.of("email", ADMIN, "password", ADMIN_PW))
                .post("/auth/login").then().statusCode(200).extract().cookie("labs_session");
        String victim = unique("csrf");
        createUser(victim, "csrf-password-1", List.of());
        // cross-site form post with the admin's cookie: refused
        given().cookie("labs_session", cookie).header("Origin", "https://evil.example").contentType(ContentType.JSON)
                .body(Map.of("email", victim, "role", "admin")).post("/admin/api/roles/grants").then().statusCode(403);
        given().cookie("labs_session", cookie).header("Sec-Fetch-Site", "cross-site").contentType(ContentType.JSON)
                .body(Map.of("email", victim, "role", "admin")).post("/admin/api/roles/grants").then().statusCode(403);
        // no proof at all: refused
        given().cookie("labs_session", cookie).contentType(ContentType.JSON)
                .body(Map.of("email", victim, "role", "admin")).post("/admin/api/roles/grants").then().statusCode(403);
        given().auth().oauth2(token(victim, "csrf-password-1")).get("/auth/me").then().body("admin", equalTo(false));
        // same origin but without the admin panel's token (what an experiment page's script could send): refused
        given().cookie("labs_session", cookie).header("Origin", baseOrigin()).contentType(ContentType.JSON)
                .body(Map.of("email", victim, "role", "editor")).post("/admin/api/roles/grants").then().statusCode(403);
        // same origin from the admin panel: accepted
        given().cookie("labs_session", cookie).header("Origin", baseOrigin()).header(AdminOriginGuard.HEADER, AuthFlows.adminPanelToken(cookie))
                .contentType(ContentType.JSON)
                .body(Map.of("email", victim, "role", "editor")).post("/admin/api/roles/grants").then().statusCode(204);
        // bearer requests are exempt, whatever the Origin
        given().auth().oauth2(adminToken()).header("Origin", "https://evil.example").contentType(ContentType.JSON)
                .body(Map.of("email", victim, "role", "viewer")).post("/admin/api/roles/grants").then().statusCode(204);
        given().auth().oauth2(token(victim, "csrf-password-1")).get("/auth/me").then().body("roles", hasItem("editor")).body("roles", hasItem("viewer"));
        // login CSRF: a foreign page cannot post the login form
        given().header("Origin", "https://evil.example").contentType(ContentType.URLENC)
                .formParam("email", victim).formParam("password", "csrf-password-1").post("/auth/login").then().statusCode(403);
    }

    @Test
    void forgedExpiredWronglySignedAndAlgNoneTokensAreRefused() {
        String good = adminToken();
        given().auth().oauth2(good).get("/auth/me").then().statusCode(200);
        String[] parts = good.split("\\.");
        Base64.Encoder b64 = Base64.getUrlEncoder().withoutPadding();
        String payload = new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8);
        // forged: payload changed, signature kept
        String forgedPayload = b64.encodeToString(payload.replace(ADMIN, "evil@example.org").getBytes(StandardCharsets.UTF_8));
        String forged = parts[0] + "." + forgedPayload + "." + parts[2];
        // alg none
        String none = b64.encodeToString("{\"alg\":\"none\",\"typ\":\"JWT\"}".getBytes(StandardCharsets.UTF_8)) + "." + parts[1] + ".";
        // wrongly signed: g.nome's public default secret
        String adminId = store.users().find(Filters.eq("email", ADMIN)).collect().first().await().atMost(Duration.ofSeconds(5)).getObjectId("_id").toHexString();
        String wrongKey = Jwt.issuer(TokenService.ISSUER).subject(adminId).upn(ADMIN).issuedAt(System.currentTimeMillis() / 1000)
                .expiresIn(600).jws().algorithm(io.smallrye.jwt.algorithm.SignatureAlgorithm.HS256)
                .sign(new SecretKeySpec("a_very_bad_dev_secret_key_12345_padding_to_32".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        // expired, correctly signed
        LabsUser admin = new LabsUser(adminId, ADMIN, Set.of("admin"), false);
        String expired = tokens.issue(admin, Duration.ofSeconds(-5), "api");
        for (String bad : new String[] {forged, none, wrongKey, expired, "garbage", good + "x"}) {
            given().auth().oauth2(bad).get("/auth/me").then().statusCode(401).contentType(containsString("application/problem+json"));
            given().auth().oauth2(bad).get("/admin/api/users").then().statusCode(401);
        }
    }

    @Test
    void disabledDeletedAndRevokedUsersLoseAccessAtOnce() {
        String email = unique("revoke");
        String id = createUser(email, "revoke-password-1", List.of("editor"));
        String t = token(email, "revoke-password-1");
        given().auth().oauth2(t).get("/auth/me").then().statusCode(200).body("roles", hasItem("editor"));
        given().auth().oauth2(adminToken()).delete("/admin/api/roles/grants?email=" + email + "&role=editor").then().statusCode(204);
        given().auth().oauth2(t).get("/auth/me").then().statusCode(401); // a role revoke ends the user's tokens
        t = token(email, "revoke-password-1");
        given().auth().oauth2(t).get("/auth/me").then().statusCode(200).body("roles", not(hasItem("editor")));
        given().auth().oauth2(adminToken()).post("/admin/api/users/" + id + "/disable").then().statusCode(200).body("disabled", equalTo(true));
        given().auth().oauth2(t).get("/auth/me").then().statusCode(401);
        tokenCall(email, "revoke-password-1").then().statusCode(401); // disabled: same answer as a wrong password
        given().auth().oauth2(adminToken()).post("/admin/api/users/" + id + "/enable").then().statusCode(200);
        given().auth().oauth2(t).get("/auth/me").then().statusCode(401); // disabling ended every token: enabling revives none
        t = token(email, "revoke-password-1");
        given().auth().oauth2(t).get("/auth/me").then().statusCode(200);
        given().auth().oauth2(adminToken()).contentType(ContentType.JSON).body(Map.of("password", "new-password-22"))
                .post("/admin/api/users/" + id + "/password").then().statusCode(204);
        token(email, "new-password-22");
        given().auth().oauth2(adminToken()).delete("/admin/api/users/" + id).then().statusCode(204);
        given().auth().oauth2(t).get("/auth/me").then().statusCode(401);
        given().auth().oauth2(adminToken()).get("/admin/api/users?limit=500").then().statusCode(200)
                .body("items.email", not(hasItem(email))).body("items[0]", not(org.hamcrest.Matchers.hasKey("password_hash")));
    }

    @Test
    void adminRoutesRefuseAnonymousAndNonAdmins() {
        given().accept(ContentType.JSON).get("/admin/api/users").then().statusCode(401).contentType(containsString("application/problem+json"));
        given().accept(ContentType.JSON).get("/admin/api/roles").then().statusCode(401);
        given().accept(ContentType.JSON).get("/admin/api/experiments").then().statusCode(401); // the admin team's routes too
        given().redirects().follow(false).accept("text/html").get("/admin").then().statusCode(302)
                .header("Location", equalTo("/auth/login?next=%2Fadmin"));
        String email = unique("plain");
        createUser(email, "plain-password-1", List.of("editor"));
        String t = token(email, "plain-password-1");
        given().auth().oauth2(t).get("/admin/api/users").then().statusCode(403);
        given().auth().oauth2(t).get("/admin/api/roles").then().statusCode(403);
        given().auth().oauth2(t).get("/admin").then().statusCode(403);
        given().auth().oauth2(t).contentType(ContentType.JSON).body(Map.of("email", email, "role", "admin"))
                .post("/admin/api/roles/grants").then().statusCode(403);
        given().auth().oauth2(adminToken()).get("/admin/api/roles").then().statusCode(200).body("role", hasItem("editor"));
    }

    @Test
    void gnomeHashesAsStringAndBinaryAndIsAdminLogIn() {
        String asString = unique("gnome-str");
        String asBinary = unique("gnome-bin");
        store.users().insertOne(new Document("email", asString).append("password_hash", GNOME_2B).append("is_admin", true))
                .await().atMost(Duration.ofSeconds(5));
        store.users().insertOne(new Document("email", asBinary).append("password_hash", new Binary(GNOME_2B.getBytes(StandardCharsets.US_ASCII)))
                .append("is_admin", false)).await().atMost(Duration.ofSeconds(5));
        given().auth().oauth2(token(asString, "U*U")).get("/auth/me").then().statusCode(200).body("admin", equalTo(true));
        given().auth().oauth2(token(asBinary, "U*U")).get("/auth/me").then().statusCode(200).body("admin", equalTo(false));
        tokenCall(asBinary, "U*V").then().statusCode(401);
        // a user without password_hash (g.nome raised a 500): a plain 401
        String noHash = unique("gnome-nohash");
        store.users().insertOne(new Document("email", noHash)).await().atMost(Duration.ofSeconds(5));
        tokenCall(noHash, "anything").then().statusCode(401);
    }

    @Test
    void casbinGrantsAreHonouredAndOtherReplicasChangesInvalidateTheCache() throws Exception {
        String email = unique("casbin");
        createUser(email, "casbin-password-1", List.of());
        store.coll(UserStore.CASBIN).insertOne(new Document("ptype", "g").append("v0", email).append("v1", "admin"))
                .await().atMost(Duration.ofSeconds(5));
        // another replica changed casbin_rule and touched the feed; this replica's cache must drop the old answer
        feed.touch(UserStore.CASBIN, email).await().atMost(Duration.ofSeconds(5));
        String t = token(email, "casbin-password-1");
        awaitStatus(t, "/admin/api/users", 200);
        store.coll(UserStore.CASBIN).deleteMany(Filters.eq("v0", email)).await().atMost(Duration.ofSeconds(5));
        feed.touch(UserStore.CASBIN, email).await().atMost(Duration.ofSeconds(5));
        awaitStatus(t, "/admin/api/users", 403);
    }

    static void awaitStatus(String token, String path, int status) {
        await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(200))
                .untilAsserted(() -> assertEquals(status, given().auth().oauth2(token).get(path).statusCode(), path));
    }

    @Test
    void bcryptNeverRunsOnAnEventLoop() throws Exception {
        CompletableFuture<Throwable> hashed = new CompletableFuture<>();
        CompletableFuture<Throwable> verified = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> {
            try {
                passwords.hashBlocking("on-the-loop");
                hashed.complete(null);
            } catch (Throwable e) {
                hashed.complete(e);
            }
            try {
                passwords.verifyBlocking("on-the-loop", GNOME_2B);
                verified.complete(null);
            } catch (Throwable e) {
                verified.complete(e);
            }
        });
        assertTrue(hashed.get(5, TimeUnit.SECONDS) instanceof IllegalStateException, "hashing on an event loop must throw");
        assertTrue(verified.get(5, TimeUnit.SECONDS) instanceof IllegalStateException, "verifying on an event loop must throw");
        // the async API used by login moves to a worker and so succeeds from an event loop
        CompletableFuture<Boolean> ok = new CompletableFuture<>();
        vertx.getOrCreateContext().runOnContext(v -> passwords.verify("U*U", GNOME_2B).subscribe().with(ok::complete, ok::completeExceptionally));
        assertTrue(ok.get(5, TimeUnit.SECONDS));
        // and the login path (HTTP, event loop → worker) never trips the guard: a trip would be a 500
        tokenCall(ADMIN, ADMIN_PW).then().statusCode(200);
    }
}
