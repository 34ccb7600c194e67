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
}
