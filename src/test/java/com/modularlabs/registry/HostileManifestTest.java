package com.modularlabs.registry;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.auth.AuthFlows;
import com.modularlabs.common.Gen;
import com.modularlabs.observability.LogCapture;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Manifests written by others, attacked through the admin editor's check and save and the "new experiment" route:
 * generated manifests with odd collection, index and query names ($-prefixed, dotted, empty, NUL, very long,
 * unicode, engine names), wrong types, deep nesting and hostile pipelines. The check answers a list of errors and
 * the save 200 or a 4xx problem; a refused save leaves the stored version unchanged; never a 5xx or a stack trace.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileManifestTest {
    static final String[] NAMES = {"items", "users", "casbin_rule", "rule", "system.users", "$cmd", "a.b", "", "\\u0000", "a\\u0000",
            "\\u00e9", "\\ud800", "x".repeat(64), "y".repeat(300), "_id", "bundles.files", "labs_audit", "1", "a b", "A", "a-b"};
    static final String[] LEVELS = {"\"public\"", "\"user\"", "\"owner\"", "\"admin\"", "\"none\"", "\"role:x\"", "\"role:\"", "\"god\"",
            "1", "null", "[]", "{}"};
    static final String[] PIPELINES = {"[]", "[{\"$match\": {}}]", "[{\"$out\": \"x\"}]", "[{\"$merge\": \"x\"}]",
            "[{\"$match\": {\"$where\": \"1\"}}]", "[{\"$lookup\": {\"from\": \"users\", \"as\": \"u\", \"pipeline\": []}}]",
            "[{\"$unionWith\": \"casbin_rule\"}]", "[{\"$function\": {}}]", "[{\"$match\": {\"a\": {\"$regex\": \"(a+)+$\"}}}]",
            "[{\"$group\": {\"_id\": \"$$ROOT\", \"n\": {\"$accumulator\": {}}}}]", "[1]", "{}", "\"x\"",
            "[{\"$match\": {\"a\": {\"$param\": \"p\"}}}]", "[{\"$match\": {\"a\": {\"$param\": 1}}}]",
            "[" + "{\"$match\": {}},".repeat(60) + "{\"$match\": {}}]", "[{\"$collStats\": {}}]", "[{\"$currentOp\": {}}]",
            "[{\"$listSessions\": {}}]", "[{\"$documents\": [{\"a\": 1}]}]", "[{\"$graphLookup\": {\"from\": \"users\"}}]"};

    static String name(Gen g) {
        return g.oneIn(4) ? g.string(1, 10, Gen.ALPHA + Gen.DIGITS + "_.$-") : g.of(NAMES);
    }

    static String manifest(Gen g) {
        StringBuilder c = new StringBuilder();
        for (int i = 0, n = g.between(0, 3); i < n; i++) {
            c.append(i == 0 ? "" : ",").append('"').append(name(g)).append("\": ");
            c.append(g.oneIn(6) ? g.of("1", "null", "[]", "\"x\"")
                    : "{\"read\": " + g.of(LEVELS) + ", \"create\": " + g.of(LEVELS)
                            + (g.oneIn(3) ? ", \"max_document_bytes\": " + g.of("-1", "0", "1e400", "99999999999", "\"x\"") : "")
                            + (g.oneIn(3) ? ", \"schema\": " + g.of("{}", "1", "{\"type\": \"nope\"}", "{\"$ref\": \"http://evil.example/s\"}",
                                    "{\"pattern\": \"(a+)+$\"}", "{\"properties\": " + "{\"a\": {\"properties\": ".repeat(30) + "{}" + "}}".repeat(30) + "}")
                                    : "")
                            + (g.oneIn(5) ? ", \"" + name(g) + "\": 1" : "") + "}");
        }
        StringBuilder m = new StringBuilder("{\"name\": ").append(g.of("\"ok\"", "\"\"", "1", "null", "\"" + "n".repeat(300) + "\""));
        m.append(", \"status\": ").append(g.of("\"active\"", "\"draft\"", "\"nope\"", "1"));
        m.append(", \"collections\": ").append(g.oneIn(8) ? g.of("[]", "1", "null") : "{" + c + "}");
        if (g.oneIn(2)) {
            m.append(", \"queries\": {\"").append(name(g)).append("\": {\"collection\": \"").append(name(g)).append("\", \"pipeline\": ")
                    .append(g.of(PIPELINES)).append(g.oneIn(2) ? ", \"params\": {\"p\": {\"type\": " + g.of("\"string\"", "\"int\"", "\"regex\"", "1")
                            + ", \"max\": " + g.of("1", "\"x\"", "1e400") + "}}" : "").append("}}");
        }
        if (g.oneIn(3)) {
            m.append(", \"managed_indexes\": {\"").append(name(g)).append("\": [{\"name\": \"").append(name(g)).append("\", \"type\": ")
                    .append(g.of("\"regular\"", "\"text\"", "\"ttl\"", "\"nope\"", "1")).append(", \"keys\": ")
                    .append(g.of("{\"a\": 1}", "{\"$**\": \"text\"}", "[[\"a\", 1]]", "{}", "1", "{\"a\": \"bogus\"}", "[[\"a\"]]"))
                    .append(", \"options\": ").append(g.of("{}", "{\"unique\": true}", "{\"expireAfterSeconds\": -5}", "1", "{\"$where\": 1}"))
                    .append("}]}");
        }
        if (g.oneIn(4)) {
            m.append(", \"").append(g.of("$where", "slug", "data_scope", "auth_policy", "version", "_id", "bundle", "experiment_id", ""))
                    .append("\": ").append(g.of("1", "\"other-slug\"", "[\"users\"]", "{\"allowed_roles\": 1}", "null", "{\"$oid\": \"zz\"}"));
        }
        return m.append('}').toString();
    }

    @Test
    void generatedManifestsAreCheckedAndSavedOrRefusedWithNothingStored() {
        String admin = AuthFlows.adminToken();
        String slug = "hostile_manifest";
        given().auth().oauth2(admin).contentType("application/json").body(Map.of("name", "Hostile manifest", "slug", slug))
                .post("/admin/api/experiments");
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(150, HostileManifestTest::manifest, m -> {
                Response check = given().auth().oauth2(admin).contentType("application/json").body(m)
                        .post("/admin/api/experiments/" + slug + "/manifest/check");
                sane(check, "check " + m);
                Response before = given().auth().oauth2(admin).get("/admin/api/experiments/" + slug);
                String etag = before.then().statusCode(200).extract().header("ETag");
                Response put = given().auth().oauth2(admin).contentType("application/json").header("If-Match", etag).body(m)
                        .put("/admin/api/experiments/" + slug);
                sane(put, "save " + m);
                if (check.statusCode() == 200) {
                    List<Object> errors = check.jsonPath().getList("errors");
                    assertEquals(errors.isEmpty(), put.statusCode() == 200 || put.statusCode() == 409,
                            "the check and the save agree: " + check.asString() + " / " + put.statusCode() + " " + put.asString());
                }
                if (put.statusCode() >= 400) {
                    assertEquals(etag, given().auth().oauth2(admin).get("/admin/api/experiments/" + slug).then().extract().header("ETag"),
                            "a refused save stores nothing");
                }
            });
            for (String s : List.of("", "A", "a/b", "..", "a\u0000", "x".repeat(49), "users", "-a", "\u00e9")) {
                sane(given().auth().oauth2(admin).contentType("application/json").body(Map.of("name", "n", "slug", s)).post("/admin/api/experiments"),
                        "new experiment " + s);
            }
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error logged for bad manifests");
        }
    }

    static void sane(Response r, String what) {
        int s = r.statusCode();
        String body = r.asString();
        assertTrue(s < 500, what + " answered " + s + ": " + body);
        if (s >= 400) {
            assertTrue(r.contentType().startsWith("application/problem+json"), what + " answered " + s + " as " + r.contentType());
        }
        assertFalse(body.contains("Exception") || body.contains("Mongo") || body.contains("at com."), what + " leaks: " + body);
    }
}
