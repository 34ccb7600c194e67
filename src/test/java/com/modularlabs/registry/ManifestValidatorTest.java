package com.modularlabs.registry;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.FieldError;
import java.util.List;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The manifest schema: g.nome manifests load unchanged; anything else is reported at its JSON path. */
class ManifestValidatorTest {
    private final ManifestValidator validator = new ManifestValidator();

    /** The example of gnome-original.md section 3, with g.nome's runtime keys as its upload wrote them. */
    static final String GNOME = """
            {"name": "Click Tracker", "description": "Tracks user clicks and generates embeddings.", "status": "active",
             "auth_required": false, "data_scope": ["self"],
             "runtime_s3_uri": "https://b2.example/bundle.zip", "runtime_pip_deps": ["numpy"],
             "managed_indexes": {
               "clicks": [{"name": "clicks_vector_embedding_index", "type": "vectorSearch",
                 "definition": {"fields": [{"type": "vector", "path": "user_embedding", "numDimensions": 1536, "similarity": "cosine"},
                                           {"type": "filter", "path": "experiment_id"}]}}],
               "logs": [{"name": "logs_timestamp_and_user", "type": "regular", "keys": [["timestamp", -1], ["user", 1]], "options": {"background": true}}],
               "workouts": [{"name": "id_regular_index", "type": "regular", "keys": {"_id": 1}}]}}
            """;

    @Test
    void gnomeManifestsLoadUnchanged() {
        assertEquals(List.of(), validator.validate("click_tracker", Document.parse(GNOME)));
    }

    @Test
    void errorsNameTheirPaths() {
        Document bad = Document.parse("""
                {"name": "x", "status": "live", "collections": {"notes": {"read": "everyone"}}, "plugin": "evil.py"}""");
        List<String> paths = validator.validate("notes", bad).stream().map(FieldError::path).toList();
        assertTrue(paths.contains("$.status"), paths.toString());
        assertTrue(paths.contains("$.collections.notes.read"), paths.toString());
        assertTrue(paths.contains("$.plugin"), paths.toString());
    }

    @Test
    void slugRules() {
        assertTrue(ManifestValidator.isValidSlug("click_tracker"));
        for (String s : new String[] {"..", ".", "-a", "A", "a/b", "", "a".repeat(49)}) {
            assertTrue(!ManifestValidator.isValidSlug(s), s);
        }
        assertTrue(validator.validate("notes", Document.parse("{\"name\": \"n\", \"slug\": \"other\"}")).stream()
                .anyMatch(e -> e.path().equals("$.slug")));
    }

    /** The folder seed's single parse gives what Document.parse and the old Document-to-JSON round trip gave. */
    @Test
    void parsingAFileOnceGivesTheSameDocumentAndTreeAsBefore() {
        com.fasterxml.jackson.databind.ObjectMapper json = new com.fasterxml.jackson.databind.ObjectMapper();
        com.modularlabs.common.Gen.forAll(300, g -> value(g, json, 0, true), text -> {
            byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Document before;
            try {
                before = Document.parse(text);
            } catch (RuntimeException unreadable) { // e.g. "$date" beside other keys: still an error
                org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> validator.parse(bytes));
                return;
            }
            try {
                ManifestValidator.Parsed once = validator.parse(bytes);
                assertEquals(before, once.manifest()); // values and their types (Integer is not Long)
                assertEquals(before.toJson(), once.manifest().toJson()); // key order (compound index keys)
                assertEquals(validator.toJsonNode(before), once.json());
            } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
            }
        });
    }

    @Test
    void aFileThatIsNotUtf8IsRejectedAsBefore() {
        byte[] bad = {'{', '"', 'n', '"', ':', '"', (byte) 0xff, '"', '}'};
        org.junit.jupiter.api.Assertions.assertThrows(Exception.class, () -> validator.parse(bad));
    }

    /** JSON text: objects (sometimes with _id or an Extended JSON value), arrays, strings, int32/int64/doubles, booleans, null. */
    private static String value(com.modularlabs.common.Gen g, com.fasterxml.jackson.databind.ObjectMapper json, int depth, boolean object) {
        if (object || (depth < 3 && g.oneIn(4))) {
            List<String> fields = g.list(0, 5, () -> {
                String key = g.oneIn(12) ? "_id" : g.oneIn(15) ? "$date" : g.string(1, 8, com.modularlabs.common.Gen.ALPHA + "_");
                String v = key.equals("$date") ? "\"2024-01-02T03:04:05Z\"" : value(g, json, depth + 1, false);
                return quote(json, key) + ": " + v;
            });
            return "{" + String.join(", ", fields) + "}";
        }
        if (depth < 3 && g.oneIn(5)) {
            return "[" + String.join(", ", g.list(0, 4, () -> value(g, json, depth + 1, false))) + "]";
        }
        return switch (g.between(0, 6)) {
            case 0 -> quote(json, g.string(0, 10, com.modularlabs.common.Gen.ALPHA + "\u00e9\u4e2d\"\\\n\t /"));
            case 1 -> Integer.toString(g.anyInt());
            case 2 -> Long.toString(g.anyLong());
            case 3 -> {
                double d = g.anyDouble();
                yield Double.isFinite(d) ? Double.toString(d) : "0.5";
            }
            case 4 -> g.oneIn(2) ? "true" : "false";
            case 5 -> "null";
            default -> "\"\ud83d\ude00\"";
        };
    }

    private static String quote(com.fasterxml.jackson.databind.ObjectMapper json, String s) {
        try {
            return json.writeValueAsString(s);
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }
}
