package com.modularlabs.functions;

import static io.restassured.RestAssured.given;

import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentRegistry;
import io.restassured.http.ContentType;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.bson.Document;

/** Test experiments with functions on a {@link FakeFunctions} server; users log in through /auth/token. */
final class FunctionTestSupport {
    static final String ADMIN = "admin@example.com";
    static final String ADMIN_PW = "test-admin-password-1";
    private static FakeFunctions fake;

    private FunctionTestSupport() {
    }

    static synchronized FakeFunctions fake(ExperimentConfigRepository configs, ExperimentRegistry registry) throws Exception {
        if (fake != null) {
            return fake;
        }
        FakeFunctions f = new FakeFunctions();
        String fn = """
                {"slug": "t_fn", "name": "Functions", "status": "active",
                 "collections": {
                   "vault": {"read": "service", "create": "service", "update": "service", "delete": "service"},
                   "items": {"read": "public", "create": "public", "update": "public", "delete": "public"}},
                 "queries": {
                   "vaultAll": {"collection": "vault", "read": "public", "pipeline": [{"$match": {}}]},
                   "lookupVault": {"collection": "items", "read": "public",
                                   "pipeline": [{"$lookup": {"from": "vault", "as": "v", "pipeline": []}}]}},
                 "functions": {
                   "echo": {"url": "ECHO", "access": "public"},
                   "userEcho": {"url": "ECHO", "access": "user"},
                   "adminEcho": {"url": "ECHO", "access": "admin"},
                   "svcEcho": {"url": "ECHO", "access": "service"},
                   "tiny": {"url": "ECHO", "access": "public", "max_body_bytes": 100},
                   "refuse": {"url": "BASE/refuse", "access": "public"},
                   "html": {"url": "BASE/html", "access": "public"},
                   "badjson": {"url": "BASE/badjson", "access": "public"},
                   "redirect": {"url": "BASE/redirect", "access": "public"},
                   "big": {"url": "BASE/big", "access": "public", "max_body_bytes": 1000},
                   "fail": {"url": "BASE/fail", "access": "public"},
                   "slow": {"url": "BASE/hang", "access": "public", "timeout_ms": 300},
                   "data": {"url": "BASE/data", "access": "user"},
                   "gone": {"url": "http://127.0.0.1:9/nothing", "access": "public"},
                   "relative": {"url": "/echo", "access": "public"}
                 }}""".replace("ECHO", f.url("/echo")).replace("BASE", f.url(""));
        String other = """
                {"slug": "t_fn_other", "name": "Other", "status": "active", "data_scope": ["self", "t_fn"],
                 "collections": {"items": {"read": "public", "create": "public"}},
                 "queries": {"unionVault": {"collection": "items", "read": "public", "pipeline": [{"$unionWith": "t_fn.vault"}]},
                             "lookupVault": {"collection": "items", "read": "public",
                                             "pipeline": [{"$lookup": {"from": "t_fn.vault", "as": "v", "pipeline": []}}]}},
                 "functions": {"echo": {"url": "ECHO", "access": "public"}}}""".replace("ECHO", f.url("/echo"));
        String busy = """
                {"slug": "t_fn_busy", "name": "Busy", "status": "active",
                 "functions": {"hang": {"url": "BASE/hang", "access": "public", "timeout_ms": 20000},
                               "echo": {"url": "BASE/echo", "access": "public"}}}""".replace("BASE", f.url(""));
        String trig = """
                {"slug": "t_trig", "name": "Triggers", "status": "active",
                 "collections": {"posts": {"read": "public", "create": "public", "update": "public", "delete": "public",
                                           "schema": {"type": "object", "properties": {"n": {"type": "integer"}}},
                                           "triggers": {"before_write": "check", "after_write": "notify"}}},
                 "functions": {"check": {"url": "BASE/before", "access": "service"},
                               "notify": {"url": "BASE/after", "access": "service"}}}""".replace("BASE", f.url(""));
        List<Document> docs = List.of(Document.parse(fn), Document.parse(other), Document.parse(busy), Document.parse(trig),
                bad("t_fn_meta", "http://169.254.169.254/latest/meta-data"), bad("t_fn_ext", "http://example.com/hook"),
                bad("t_fn_v6", "http://[fe80::1]/x"), bad("t_fn_dec", "http://2852039166/x"), bad("t_fn_ftp", "ftp://localhost/x"),
                Document.parse("""
                        {"slug": "t_fn_trig", "name": "Bad trigger", "status": "active",
                         "collections": {"c": {"triggers": {"before_write": "missing"}}}}"""));
        for (Document d : docs) {
            configs.raw().deleteOne(new Document("slug", d.getString("slug"))).await().atMost(Duration.ofSeconds(10));
        }
        configs.raw().insertMany(docs).await().atMost(Duration.ofSeconds(10));
        registry.reload().await().atMost(Duration.ofSeconds(30));
        fake = f;
        return f;
    }

    private static Document bad(String slug, String url) {
        return new Document("slug", slug).append("name", slug).append("status", "active")
                .append("functions", new Document("f", new Document("url", url).append("access", "public")));
    }

    static String token(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password)).post("/auth/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** A new user (created by the admin over the API); returns {id, token}. */
    static String[] user(List<String> roles) {
        String email = "fn-" + UUID.randomUUID().toString().substring(0, 8) + "@example.org";
        String id = given().auth().oauth2(token(ADMIN, ADMIN_PW)).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", "function-user-1", "roles", roles))
                .post("/admin/api/users").then().statusCode(201).extract().path("id");
        return new String[] {id, token(email, "function-user-1"), email};
    }
}
