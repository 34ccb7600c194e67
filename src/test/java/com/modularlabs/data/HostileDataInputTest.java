package com.modularlabs.data;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
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
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The data API attacked with generated hostile input over HTTP (filters, sort, projection, cursors, documents,
 * update operators, named-query parameters, text search): odd keys ($-prefixed, dotted, empty, NUL, very long,
 * unicode and lone surrogates), deep nesting, wrong types, Extended JSON wrappers with garbage inside and
 * backtracking regexes. Every answer is a success or a 4xx application/problem+json naming the problem (never a
 * 5xx, never a driver message), a refused write changes nothing, and no request logs a stack trace.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileDataInputTest {
    static final String SLUG = "hostile_data";
    static final String API = "/experiments/" + SLUG + "/api";
    static final String MANIFEST = """
            {"name": "Hostile data", "status": "active",
             "collections": {
               "items": {"read": "public", "create": "public", "update": "public", "delete": "public"},
               "docs": {"read": "public", "create": "public", "update": "public", "max_document_bytes": 4000,
                        "schema": {"type": "object", "properties": {"title": {"type": "string", "maxLength": 50}}}}},
             "managed_indexes": {"items": [{"name": "txt", "type": "text", "keys": {"title": "text"}}]},
             "queries": {
               "byColor": {"collection": "items", "pipeline": [{"$match": {"color": {"$param": "color"}}}],
                           "params": {"color": {"type": "string", "required": true, "max_length": 50}}},
               "bigger": {"collection": "items", "pipeline": [{"$match": {"n": {"$gte": {"$param": "min"}}}}],
                          "params": {"min": {"type": "int", "default": 0, "min": -1000, "max": 1000},
                                     "at": {"type": "date"}, "id": {"type": "objectId"}, "b": {"type": "bool"},
                                     "x": {"type": "number"}, "e": {"type": "string", "enum": ["a", "b"]}}},
               "like": {"collection": "items", "pipeline": [{"$match": {"title": {"$regex": {"$param": "q"}}}}],
                        "params": {"q": {"type": "string", "required": true, "max_length": 200}}}}}""";
    private static volatile boolean ready;

    static final String[] KEYS = {"a", "title", "color", "n", "tags", "$gt", "$where", "$regex", "$expr", "$function", "$oid",
            "$date", "$numberLong", "$numberDecimal", "$binary", "$code", "$ref", "$id", "$$ROOT", "a.b", ".a", "a.", "a..b", "$",
            "", "\u0000", "a\u0000b", "_id", "experiment_id", "created_by", "created_at", "updated_at", "é", "\ud800", "日本",
            "\u202e", "__proto__", "constructor", "$and", "$or", "$nor", "$not", "$in", "$elemMatch", "$size", "$type",
            "$exists", "$all", "$inc", "$set", "$unset", "$push", "$pull", "$addToSet", "$rename", "$each", "$position"};
    static final String[] REGEXES = {"(a+)+$", "(a|a)*b", "(.*a){20}", "^(\\w+\\s?)*$", "a{1,100000}", "[", "(?<=a+)b",
            "\\", "(?i)abc", "x*y*z*", "((((((((((a))))))))))"};

    @BeforeEach
    void experiment() {
        if (ready) {
            return;
        }
        String admin = AuthFlows.adminToken();
        given().auth().oauth2(admin).contentType("application/json").body(Map.of("name", "Hostile data", "slug", SLUG))
                .post("/admin/api/experiments");
        String etag = given().auth().oauth2(admin).get("/admin/api/experiments/" + SLUG).then().statusCode(200).extract().header("ETag");
        given().auth().oauth2(admin).contentType("application/json").header("If-Match", etag).body(MANIFEST)
                .put("/admin/api/experiments/" + SLUG).then().statusCode(200);
        await().atMost(Duration.ofSeconds(20)).until(() -> given().get(API + "/items").statusCode() == 200);
        for (int i = 0; i < 5; i++) {
            given().contentType("application/json").body(Map.of("title", "seed " + i, "color", i % 2 == 0 ? "red" : "blue", "n", i))
                    .post(API + "/items").then().statusCode(201);
        }
        ready = true;
    }

    // ------------------------------------------------------------------ generators (JSON text, so any key can be sent)

    static String key(Gen g) {
        return switch (g.weighted(6, 2, 1, 1)) {
            case 0 -> g.of(KEYS);
            case 1 -> g.string(12);
            case 2 -> "k" + "x".repeat(g.between(100, 400)); // long, but inside the URL limit
            default -> "$" + g.string(1, 8, Gen.ALPHA);
        };
    }

    static String value(Gen g, int depth) {
        int kind = depth <= 0 ? g.between(0, 6) : g.between(0, 10);
        return switch (kind) {
            case 0 -> String.valueOf(g.anyInt());
            case 1 -> quote(g.string(20));
            case 2 -> g.of("true", "false", "null");
            case 3 -> numberLiteral(g);
            case 4 -> "{\"$regex\": " + quote(g.of(REGEXES)) + g.of("", ", \"$options\": \"i\"", ", \"$options\": \"q\"") + "}";
            case 5 -> "{" + quote(g.of("$oid", "$date", "$numberLong", "$numberDecimal", "$binary", "$timestamp", "$regularExpression",
                    "$minKey", "$symbol", "$code", "$dbPointer")) + ": " + g.of(quote(g.string(30)), "{}", "[]", "1", "null",
                    "{\"$numberLong\": \"9\"}") + "}";
            case 6 -> quote(g.of("$where", "$function", "$$ROOT", "$$NOW", "this.a"));
            case 7, 8 -> object(g, depth - 1);
            default -> array(g, depth - 1);
        };
    }

    static String numberLiteral(Gen g) {
        return g.of("1e400", "-1e400", "1.7976931348623157E309", "123456789012345678901234567890", "-0", "0.0000000000000000001",
                "1E-400", String.valueOf(g.anyLong()));
    }

    static String object(Gen g, int depth) {
        StringBuilder b = new StringBuilder("{");
        int n = g.between(0, 4);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(quote(key(g))).append(':').append(value(g, depth));
        }
        return b.append('}').toString();
    }

    static String array(Gen g, int depth) {
        StringBuilder b = new StringBuilder("[");
        int n = g.between(0, 4);
        for (int i = 0; i < n; i++) {
            b.append(i == 0 ? "" : ",").append(value(g, depth));
        }
        return b.append(']').toString();
    }

    /** Sometimes nested far beyond the filter depth limit (and beyond any sane recursion). */
    static String deep(Gen g, String open, String close, String inner) {
        return deep(g.of(11, 50, 300, 5000), open, close, inner);
    }

    static String deep(int n, String open, String close, String inner) {
        return open.repeat(n) + inner + close.repeat(n);
    }

    static String quote(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                b.append('\\').append(c);
            } else if (c < 0x20 || c > 0x7e) {
                b.append(String.format("\\u%04x", (int) c));
            } else {
                b.append(c);
            }
        }
        return b.append('"').toString();
    }

    // ------------------------------------------------------------------ checks

    /** Success, or a 4xx problem naming the problem; never a 5xx nor a database or Java message. */
    static void wellRefusedOrOk(Response r, String what) {
        int s = r.statusCode();
        String body = r.asString();
        assertTrue(s < 500, what + " answered " + s + ": " + body);
        if (s >= 400) {
            assertTrue(r.contentType().startsWith("application/problem+json"), what + " answered " + s + " as " + r.contentType() + ": " + body);
            String detail = r.jsonPath().getString("detail");
            assertTrue(detail != null && !detail.isBlank(), what + ": the problem names what is wrong: " + body);
        }
        for (String leak : List.of("Mongo", "Exception", "bson", "at com.", "at java.", "de.bwaldvogel")) {
            assertFalse(body.contains(leak), what + " leaks '" + leak + "': " + body);
        }
    }

    /** Stack traces and errors logged by the engine (the in-process test database logs what it refuses, e.g. $text). */
    static List<String> engineTraces(LogCapture logs) {
        return logs.tracesOrErrors().stream().filter(l -> !l.startsWith("de.bwaldvogel")).toList();
    }

    static long count() {
        return given().queryParam("count", "true").queryParam("limit", "1").get(API + "/items").then().statusCode(200)
                .extract().jsonPath().getLong("count");
    }

    // ------------------------------------------------------------------ properties

    record ListCall(String filter, String sort, String fields, String limit, String after, String count) {}

    @Test
    void hostileListParametersAreOkOrAProblem() {
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(150, g -> new ListCall(
                    g.oneIn(8) ? deep(g.of(11, 50, 200), "{\"a\":", "}", "1") : g.oneIn(10) ? g.string(40) : object(g, 3),
                    g.oneIn(2) ? null : g.of("a,-b", "-", ",", "$natural", "a.b.c", "\u0000", "-" + "x".repeat(300), "a,a,a,a,a,a,a,a,a,a,a,a",
                            "$where", "title,-title", g.string(10)),
                    g.oneIn(2) ? null : g.of("a,-b", "-", "$where", "-_id", "a.$", "a.$[]", "", "\u0000", g.string(10)),
                    g.oneIn(2) ? null : g.of("0", "-1", "1001", "99999999999999999999", "1e3", "NaN", "", " 5", g.string(4)),
                    g.oneIn(2) ? null : g.of("", "!!!", "AAAA", "eyJhIjoxfQ", "eyIkd2hlcmUiOiIxIn0", g.string(30),
                            "x".repeat(g.between(100, 2000))),
                    g.oneIn(2) ? null : g.of("true", "yes", "1", "", g.string(4))),
                    c -> {
                        var req = given().urlEncodingEnabled(true);
                        if (c.filter() != null) req.queryParam("filter", c.filter());
                        if (c.sort() != null) req.queryParam("sort", c.sort());
                        if (c.fields() != null) req.queryParam("fields", c.fields());
                        if (c.limit() != null) req.queryParam("limit", c.limit());
                        if (c.after() != null) req.queryParam("after", c.after());
                        if (c.count() != null) req.queryParam("count", c.count());
                        Response r = req.get(API + "/items");
                        if (r.statusCode() != 414) { // a request line over 4 KiB: refused by the HTTP layer (see below)
                            wellRefusedOrOk(r, "list " + c);
                        }
                    });
            assertEquals(List.of(), engineTraces(logs), "no stack trace or error logged for bad list parameters");
        }
    }

    @Test
    void hostileDocumentsAreStoredAsSentOrRefusedWithNothingWritten() {
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(150, g -> g.oneIn(10) ? deep(g, "{\"a\":", "}", "1") : g.oneIn(10) ? deep(g, "[", "]", "1")
                    : g.oneIn(8) ? "[" + String.join(",", g.list(1, 5, () -> object(g, 3))) + "]" : object(g, 3), body -> {
                long before = count();
                Response r = given().contentType("application/json").body(body).post(API + "/items");
                wellRefusedOrOk(r, "insert " + body);
                if (r.statusCode() >= 400) {
                    assertEquals(before, count(), "a refused insert writes nothing: " + body);
                }
            });
            assertEquals(List.of(), engineTraces(logs), "no stack trace or error logged for bad documents");
        }
    }

    record Patch(String update, boolean put, String collection) {}

    @Test
    void hostileUpdatesChangeTheDocumentOrNothing() {
        String id = given().contentType("application/json").body("{\"title\": \"target\", \"n\": 1, \"tags\": [\"a\"]}")
                .post(API + "/docs").then().statusCode(201).extract().path("_id.$oid");
        String itemId = given().contentType("application/json").body("{\"title\": \"target\", \"n\": 1, \"tags\": [\"a\"]}")
                .post(API + "/items").then().statusCode(201).extract().path("_id.$oid");
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(150, g -> {
                boolean put = g.oneIn(4);
                String coll = g.of("items", "docs");
                if (put || g.oneIn(6)) {
                    return new Patch(g.oneIn(8) ? deep(g, "{\"a\":", "}", "1") : object(g, 3), put, coll);
                }
                StringBuilder b = new StringBuilder("{");
                int n = g.between(1, 3);
                for (int i = 0; i < n; i++) {
                    String op = g.of("$set", "$unset", "$inc", "$push", "$pull", "$addToSet", "$rename", "$mul", "$min", "$max",
                            "$currentDate", "$setOnInsert", "$pop", "$bit", "$pullAll", "$where", "set", "");
                    b.append(i == 0 ? "" : ",").append(quote(op)).append(':')
                            .append(g.oneIn(6) ? value(g, 1) : object(g, 2));
                }
                return new Patch(b.append('}').toString(), false, coll);
            }, p -> {
                String path = API + "/" + p.collection() + "/" + (p.collection().equals("docs") ? id : itemId);
                String before = given().get(path).then().statusCode(200).extract().asString();
                var req = given().contentType("application/json").body(p.update());
                Response r = p.put() ? req.put(path) : req.patch(path);
                wellRefusedOrOk(r, (p.put() ? "PUT " : "PATCH ") + p);
                if (r.statusCode() >= 400) {
                    assertEquals(before, given().get(path).then().statusCode(200).extract().asString(), "a refused update changes nothing");
                }
            });
            assertEquals(List.of(), engineTraces(logs), "no stack trace or error logged for bad updates");
        }
    }

    record QueryCall(String name, Map<String, String> params) {}

    @Test
    void hostileQueryParametersAndSearchesAreOkOrAProblem() {
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(100, g -> {
                String name = g.of("byColor", "bigger", "like", "nope", "$where", "..", "\u0000");
                Map<String, String> ps = new java.util.LinkedHashMap<>();
                for (String p : g.list(0, 4, () -> g.of("color", "min", "at", "id", "b", "x", "e", "q", "$where", "")) ) {
                    ps.put(p, g.oneIn(3) ? g.string(30) : g.of("1", "-1", "1e400", "NaN", "Infinity", "99999999999999999999",
                            "2026-13-45", "not-a-date", "0".repeat(24), "zzzzzzzzzzzzzzzzzzzzzzzz", "true", "TRUE", "c", "",
                            "{\"$gt\": \"\"}", "[1,2]", g.of(REGEXES), "x".repeat(300)));
                }
                return new QueryCall(name, ps);
            }, c -> {
                var req = given();
                c.params().forEach(req::queryParam);
                wellRefusedOrOk(req.get(API + "/_queries/" + c.name()), "query " + c);
            });
            Gen.forAll(100, g -> g.oneIn(4) ? g.of(REGEXES) : g.oneIn(5) ? "w ".repeat(g.between(5, 150)) : g.string(g.of(10, 250)), q -> {
                wellRefusedOrOk(given().queryParam("q", q).get(API + "/_search/items"), "search " + q);
                wellRefusedOrOk(given().queryParam("q", q).queryParam("limit", "1000").get(API + "/_search/docs"), "search docs " + q);
            });
            assertEquals(List.of(), engineTraces(logs), "no stack trace or error logged for bad parameters");
        }
    }

    @Test
    void oddIdsAndCollectionNamesInThePathAreProblems() {
        try (LogCapture logs = LogCapture.of("")) {
            for (String seg : List.of("%00", "%2e%2e", "..", "$where", "a.b", "system.users", "users", "%24cmd", "x".repeat(1000),
                    "%C3%A9", "%ED%A0%80", "%FF", "items%00", "_shared", "_queries")) {
                wellRefusedOrOk(given().urlEncodingEnabled(false).get(API + "/" + seg), "GET coll " + seg);
                wellRefusedOrOk(given().urlEncodingEnabled(false).get(API + "/items/" + seg), "GET id " + seg);
                wellRefusedOrOk(given().urlEncodingEnabled(false).contentType("application/json").body("{}").post(API + "/" + seg), "POST " + seg);
                wellRefusedOrOk(given().urlEncodingEnabled(false).contentType("application/json").body("{}").patch(API + "/items/" + seg), "PATCH " + seg);
                wellRefusedOrOk(given().urlEncodingEnabled(false).delete(API + "/items/" + seg), "DELETE " + seg);
            }
            // wrong content types and bodies that are not JSON objects
            for (String body : List.of("", "null", "1", "\"s\"", "[]", "[1]", "[[]]", "{", "{\"a\":1}{\"b\":2}", "\u0000", "{\"a\":1,\"a\":2}")) {
                wellRefusedOrOk(given().contentType("application/json").body(body).post(API + "/items"), "POST body " + body);
            }
            wellRefusedOrOk(given().contentType("text/plain").body("{\"a\":1}").post(API + "/items"), "POST text/plain");
            wellRefusedOrOk(given().contentType("application/x-www-form-urlencoded").body("a=1").post(API + "/items"), "POST form");
            // a request line over the HTTP layer's limit (4 KiB) is refused before routing: 414, no body, nothing logged
            given().urlEncodingEnabled(false).get(API + "/items?filter=" + "x".repeat(5000)).then().statusCode(414);
            given().urlEncodingEnabled(false).get("/experiments/" + "x".repeat(5000) + "/").then().statusCode(414);
            assertEquals(List.of(), engineTraces(logs), "no stack trace or error logged for odd paths");
        }
    }
}
