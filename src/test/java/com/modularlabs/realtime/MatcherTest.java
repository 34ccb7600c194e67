package com.modularlabs.realtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.data.FilterRules;
import com.mongodb.client.MongoClient;
import com.mongodb.client.MongoClients;
import com.mongodb.client.MongoCollection;
import de.bwaldvogel.mongo.MongoServer;
import de.bwaldvogel.mongo.backend.memory.MemoryBackend;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The in-memory matcher answers like the database: every filter of the allowed operators is run both as a find
 * (TEST_MONGO_URI when set, else the embedded mongo-java-server) and through {@link Matcher}, over documents with
 * mixed types, arrays, nested documents, nulls and missing fields; the matched ids must be the same.
 */
class MatcherTest {
    static MongoServer server;
    static MongoClient client;
    static MongoCollection<Document> coll;

    static final String DOCS = """
            [{"_id": 1, "n": 1, "s": "apple", "tags": ["a", "b"], "sub": {"x": 1, "y": "q"}, "arr": [{"x": 1}, {"x": 7}]},
             {"_id": 2, "n": 5.5, "s": "Banana", "tags": ["b"], "sub": {"x": 2}, "arr": [{"x": 3}]},
             {"_id": 3, "n": {"$numberLong": "9"}, "s": "cherry", "tags": [], "nul": null, "arr": []},
             {"_id": 4, "s": "date", "n": "5", "tags": "a", "when": {"$date": "2024-05-01T00:00:00Z"}},
             {"_id": 5, "n": [1, 10], "s": null, "sub": {"x": [1, 2]}, "ok": true},
             {"_id": 6, "n": -3, "s": "äpfel", "tags": ["c", "a", "b"], "ok": false, "when": {"$date": "2023-01-01T00:00:00Z"}},
             {"_id": 7}]""";

    static final List<String> FILTERS = List.of(
            "{}", "{\"n\": 1}", "{\"n\": 1.0}", "{\"n\": 9}", "{\"n\": \"5\"}", "{\"n\": {\"$gt\": 4}}", "{\"n\": {\"$gte\": 5.5}}",
            "{\"n\": {\"$lt\": 2}}", "{\"n\": {\"$lte\": -3}}", "{\"n\": {\"$gt\": 0, \"$lt\": 6}}", "{\"n\": {\"$ne\": 1}}",
            "{\"n\": {\"$in\": [1, 9, \"5\"]}}", "{\"n\": {\"$nin\": [1, 9]}}", "{\"n\": {\"$exists\": false}}", "{\"n\": {\"$exists\": true}}",
            "{\"s\": null}", "{\"s\": {\"$ne\": null}}", "{\"nul\": null}", "{\"nul\": {\"$exists\": true}}",
            "{\"s\": {\"$gt\": \"b\"}}", "{\"s\": {\"$lt\": \"b\"}}", "{\"s\": {\"$regex\": \"^a\"}}", "{\"s\": {\"$regex\": \"^a\", \"$options\": \"i\"}}",
            "{\"s\": {\"$regex\": \"an\"}}", "{\"s\": {\"$not\": {\"$regex\": \"an\"}}}", "{\"tags\": \"a\"}", "{\"tags\": [\"b\"]}",
            "{\"tags\": {\"$all\": [\"a\", \"b\"]}}", "{\"tags\": {\"$size\": 0}}", "{\"tags\": {\"$size\": 2}}", "{\"tags\": {\"$in\": [\"c\"]}}",
            "{\"tags\": {\"$nin\": [\"a\"]}}", "{\"sub.x\": 1}", "{\"sub.x\": 2}", "{\"sub\": {\"x\": 2}}", "{\"sub\": {\"x\": 1}}",
            "{\"arr.x\": 7}", "{\"arr.x\": {\"$gt\": 2}}", "{\"arr\": {\"$elemMatch\": {\"x\": {\"$gt\": 2, \"$lt\": 5}}}}",
            "{\"n\": {\"$elemMatch\": {\"$gt\": 5}}}", "{\"arr.0.x\": 1}", "{\"arr\": {\"$size\": 0}}",
            "{\"$or\": [{\"n\": 1}, {\"s\": \"date\"}]}", "{\"$and\": [{\"tags\": \"a\"}, {\"tags\": \"b\"}]}", "{\"$nor\": [{\"n\": 1}, {\"n\": -3}]}",
            "{\"n\": {\"$not\": {\"$gt\": 4}}}", "{\"n\": {\"$type\": \"number\"}}", "{\"n\": {\"$type\": \"string\"}}", "{\"n\": {\"$type\": \"array\"}}",
            "{\"ok\": true}", "{\"ok\": {\"$gte\": false}}", "{\"when\": {\"$gt\": {\"$date\": \"2024-01-01T00:00:00Z\"}}}",
            "{\"_id\": {\"$in\": [2, 4, 8]}}", "{\"n\": {\"$gte\": 1, \"$lte\": 1}}", "{\"n\": 10}", "{\"sub.x\": {\"$size\": 2}}");

    @BeforeAll
    static void start() {
        String uri = System.getenv("TEST_MONGO_URI");
        if (uri == null || uri.isBlank()) {
            server = new MongoServer(new MemoryBackend());
            uri = "mongodb://" + server.bindAndGetConnectionString().replace("mongodb://", "");
        }
        client = MongoClients.create(uri);
        coll = client.getDatabase("matcher_test").getCollection("docs");
        coll.drop();
        for (Object d : Document.parse("{\"d\": " + DOCS + "}").getList("d", Object.class)) {
            coll.insertOne((Document) d);
        }
    }

    @AfterAll
    static void stop() {
        if (client != null) {
            client.close();
        }
        if (server != null) {
            server.shutdownNow();
        }
    }

    @Test
    void matchesWhatTheDatabaseMatches() {
        FilterRules rules = new FilterRules(10, 1000);
        List<Document> all = coll.find().into(new ArrayList<>());
        List<String> diffs = new ArrayList<>();
        for (String f : FILTERS) {
            Document filter = Document.parse(f);
            assertTrue(rules.checkFilter(filter).isEmpty(), "FilterRules refuses " + f);
            Set<Object> db = new TreeSet<>();
            coll.find(filter).forEach(d -> db.add(d.get("_id")));
            Matcher m = new Matcher(filter);
            Set<Object> mem = new TreeSet<>();
            for (Document d : all) {
                if (m.matches(d)) {
                    mem.add(d.get("_id"));
                }
            }
            if (!db.equals(mem)) {
                diffs.add(f + ": database " + db + ", matcher " + mem);
            }
        }
        assertEquals(List.of(), diffs);
    }

    @Test
    void regexesRe2CannotRunAreRefusedWithTheirPath() {
        Matcher.Invalid e = assertThrows(Matcher.Invalid.class, () -> new Matcher(Document.parse("{\"a\": {\"$regex\": \"(a)\\\\1\"}}")));
        assertEquals("$.a.$regex", e.errors.get(0).path());
        assertThrows(Matcher.Invalid.class, () -> new Matcher(Document.parse("{\"a\": {\"$regex\": \"a\", \"$options\": \"x\"}}")));
        // catastrophic for a backtracking engine, linear for RE2
        Matcher m = new Matcher(Document.parse("{\"a\": {\"$regex\": \"^(a+)+$\"}}"));
        assertTrue(!m.matches(new Document("a", "a".repeat(5000) + "!")));
    }

    @Test
    void projectionIncludesOrExcludesWithoutChangingTheDocument() {
        Document d = Document.parse("{\"_id\": 1, \"a\": 1, \"b\": {\"c\": 2, \"d\": 3}, \"e\": 4}");
        Document inc = new Projection("a,b.c", Document.parse("{\"a\": 1, \"b.c\": 1}")).apply(d);
        assertEquals(Document.parse("{\"_id\": 1, \"a\": 1, \"b\": {\"c\": 2}}"), inc);
        Document exc = new Projection("-b.d,-_id", Document.parse("{\"b.d\": 0, \"_id\": 0}")).apply(d);
        assertEquals(Document.parse("{\"a\": 1, \"b\": {\"c\": 2}, \"e\": 4}"), exc);
        assertEquals(Document.parse("{\"_id\": 1, \"a\": 1, \"b\": {\"c\": 2, \"d\": 3}, \"e\": 4}"), d);
    }
}
