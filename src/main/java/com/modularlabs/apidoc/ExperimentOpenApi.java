package com.modularlabs.apidoc;

import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.IndexSpec;
import com.modularlabs.registry.QuerySpec;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * Builds the OpenAPI 3.0 description of one experiment's data API from its manifest: per collection the list,
 * insert, get, replace, update and delete operations with the collection's JSON Schema, per named query its typed
 * parameters, text search where the collection has a text index, and on every operation the access level that
 * decides it ({@code x-access-level}, also in the description). Plain maps, serialised by Jackson.
 */
public final class ExperimentOpenApi {
    static final String PROBLEM = "#/components/schemas/Problem";
    /** Fields the engine sets on every document; clients read them but cannot write them. */
    static final List<String> SYSTEM_FIELDS = List.of("experiment_id", "created_by", "created_at", "updated_at");

    private ExperimentOpenApi() {
    }

    public static Map<String, Object> build(Experiment e) {
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("openapi", "3.0.3");
        doc.put("info", map("title", e.name() + " data API", "version", String.valueOf(e.version()),
                "description", (e.description() == null ? "" : e.description() + "\n\n")
                        + "The data API of experiment '" + e.slug() + "', generated from its manifest. Every operation "
                        + "names its access level (x-access-level): public, user, role:<r>, owner, admin or none."
                        + (e.authRequired() ? " The experiment requires a logged-in user." : "")));
        doc.put("servers", List.of(map("url", "/experiments/" + e.slug() + "/api")));
        Map<String, Object> paths = new LinkedHashMap<>();
        Map<String, Object> schemas = new LinkedHashMap<>();
        schemas.put("Problem", problemSchema());
        for (CollectionSpec c : e.collections().values()) {
            String name = schemaName(c.name());
            schemas.put(name, documentSchema(e, c));
            schemas.put(name + "List", map("type", "object", "required", List.of("items"), "properties", map(
                    "items", map("type", "array", "items", ref(name)),
                    "next", map("type", "string", "nullable", true, "description", "cursor of the next page (the after parameter); null on the last"),
                    "count", map("type", "integer", "format", "int64", "description", "matching documents, with count=true"))));
            paths.put("/" + c.name(), collectionPath(e, c, name));
            paths.put("/" + c.name() + "/{id}", documentPath(e, c, name));
            if (hasTextIndex(e, c)) {
                paths.put("/_search/" + c.name(), searchPath(e, c, name));
            }
        }
        for (QuerySpec q : e.queries().values()) {
            paths.put("/_queries/" + q.name(), queryPath(e, q));
        }
        doc.put("paths", paths);
        doc.put("components", map("schemas", schemas, "securitySchemes", map(
                "bearer", map("type", "http", "scheme", "bearer", "bearerFormat", "JWT",
                        "description", "access_token from POST /auth/token"),
                "session", map("type", "apiKey", "in", "cookie", "name", "labs_session",
                        "description", "the browser session of /auth/login"))));
        return doc;
    }

    // ------------------------------------------------------------------ paths

    private static Map<String, Object> collectionPath(Experiment e, CollectionSpec c, String schema) {
        Map<String, Object> list = operation(e, "list_" + c.name(), "List " + c.name(), c.read(),
                "Keyset-paged list of the collection's documents.", c.name());
        list.put("parameters", List.of(
                query("filter", "JSON filter (operators $eq $ne $gt $gte $lt $lte $in $nin $exists $and $or $nor $not $regex $size $all $elemMatch $type)", map("type", "string")),
                query("sort", "comma-separated fields, - for descending, e.g. -created_at", map("type", "string")),
                query("fields", "a,b (only these) or -c (all but these)", map("type", "string")),
                query("limit", "page size", map("type", "integer", "minimum", 1, "maximum", 1000, "default", 50)),
                query("after", "the next cursor of the previous page", map("type", "string")),
                query("count", "add the number of matching documents", map("type", "boolean"))));
        list.put("responses", responses("200", "a page of documents", ref(schema + "List")));
        Map<String, Object> insert = operation(e, "create_" + c.name(), "Insert into " + c.name(), c.create(),
                "Insert one document, or an array of up to 1000.", c.name());
        insert.put("requestBody", map("required", true, "content", map("application/json", map("schema",
                map("oneOf", List.of(ref(schema), map("type", "array", "maxItems", 1000, "items", ref(schema))))))));
        insert.put("responses", responses("201", "the stored document (or documents)", map("oneOf",
                List.of(ref(schema), map("type", "array", "items", ref(schema))))));
        return map("get", list, "post", insert);
    }

    private static Map<String, Object> documentPath(Experiment e, CollectionSpec c, String schema) {
        Map<String, Object> id = map("name", "id", "in", "path", "required", true, "description", "the document's _id",
                "schema", map("type", "string"));
        Map<String, Object> get = operation(e, "get_" + c.name(), "Read one " + c.name() + " document", c.read(), null, c.name());
        get.put("responses", responses("200", "the document", ref(schema)));
        Map<String, Object> put = operation(e, "replace_" + c.name(), "Replace one " + c.name() + " document", c.update(), null, c.name());
        put.put("requestBody", map("required", true, "content", map("application/json", map("schema", ref(schema)))));
        put.put("responses", responses("200", "the stored document", ref(schema)));
        Map<String, Object> patch = operation(e, "update_" + c.name(), "Update one " + c.name() + " document", c.update(),
                "Update operators: $set, $unset, $inc, $push, $pull, $addToSet.", c.name());
        patch.put("requestBody", map("required", true, "content", map("application/json", map("schema", map("type", "object",
                "additionalProperties", false, "properties", map("$set", map("type", "object"), "$unset", map("type", "object"),
                        "$inc", map("type", "object"), "$push", map("type", "object"), "$pull", map("type", "object"),
                        "$addToSet", map("type", "object")))))));
        patch.put("responses", responses("200", "the stored document", ref(schema)));
        Map<String, Object> delete = operation(e, "delete_" + c.name(), "Delete one " + c.name() + " document", c.delete(), null, c.name());
        delete.put("responses", responses("204", "deleted", null));
        return map("parameters", List.of(id), "get", get, "put", put, "patch", patch, "delete", delete);
    }

    private static Map<String, Object> searchPath(Experiment e, CollectionSpec c, String schema) {
        Map<String, Object> op = operation(e, "search_" + c.name(), "Text search in " + c.name(), c.read(),
                "Words matched against the fields of the collection's text index: MongoDB's $text where the store has it "
                        + "(mode text), else a case-insensitive match over the newest documents (mode scan).", c.name());
        op.put("parameters", List.of(
                query("q", "the words to find", map("type", "string", "minLength", 1, "maxLength", 200), true),
                query("limit", "results", map("type", "integer", "minimum", 1, "maximum", 100, "default", 20))));
        op.put("responses", responses("200", "matching documents", map("type", "object", "required", List.of("items", "mode"),
                "properties", map("items", map("type", "array", "items", ref(schema)),
                        "mode", map("type", "string", "enum", List.of("text", "scan"))))));
        return map("get", op);
    }

    private static Map<String, Object> queryPath(Experiment e, QuerySpec q) {
        CollectionSpec c = e.collections().get(q.collection());
        String level = q.read() != null ? q.read() : c != null ? c.read() : "public";
        Map<String, Object> op = operation(e, "query_" + q.name(), "Named query " + q.name(), level,
                "Runs the pre-declared aggregation pipeline over " + q.collection() + ".", "queries");
        List<Object> params = new ArrayList<>();
        if (q.params() != null) {
            for (Map.Entry<String, Object> p : q.params().entrySet()) {
                if (p.getValue() instanceof Document spec) {
                    params.add(query(p.getKey(), null, paramSchema(spec), Boolean.TRUE.equals(spec.get("required"))));
                }
            }
        }
        op.put("parameters", params);
        op.put("responses", responses("200", "the pipeline's output", map("type", "object", "properties",
                map("items", map("type", "array", "items", map("type", "object"))))));
        return map("get", op);
    }

    /** A query parameter declaration ({type, required, default, min, max, max_length, enum}) as an OpenAPI schema. */
    static Map<String, Object> paramSchema(Document spec) {
        String type = String.valueOf(spec.get("type"));
        Map<String, Object> s = new LinkedHashMap<>();
        switch (type) {
            case "int" -> {
                s.put("type", "integer");
                s.put("format", "int64");
            }
            case "number" -> s.put("type", "number");
            case "bool" -> s.put("type", "boolean");
            case "date" -> {
                s.put("type", "string");
                s.put("format", "date-time");
            }
            case "objectId" -> {
                s.put("type", "string");
                s.put("pattern", "^[0-9a-fA-F]{24}$");
            }
            default -> s.put("type", "string");
        }
        if (spec.get("min") instanceof Number n) {
            s.put("minimum", n);
        }
        if (spec.get("max") instanceof Number n) {
            s.put("maximum", n);
        }
        if (spec.get("max_length") instanceof Number n) {
            s.put("maxLength", n);
        }
        if (spec.get("enum") instanceof List<?> values) {
            s.put("enum", values);
        }
        if (spec.containsKey("default") && spec.get("default") != null) {
            s.put("default", spec.get("default"));
        }
        return s;
    }

    // ------------------------------------------------------------------ schemas

    private static Map<String, Object> documentSchema(Experiment e, CollectionSpec c) {
        Map<String, Object> system = new LinkedHashMap<>();
        system.put("_id", map("description", "ObjectId as {\"$oid\": \"...\"} (relaxed Extended JSON), or the string or number given at insert"));
        for (String f : SYSTEM_FIELDS) {
            system.put(f, map("readOnly", true, "description", "set by the engine"));
        }
        Object raw = rawSchema(e, c);
        Map<String, Object> engine = map("type", "object", "properties", system);
        if (raw instanceof Map<?, ?> m && !m.isEmpty()) {
            return map("allOf", List.of(JsonSchemas.toOpenApi(m), engine), "description",
                    "A " + c.name() + " document: the manifest's schema plus the engine's fields.");
        }
        engine.put("additionalProperties", true);
        engine.put("description", "A " + c.name() + " document (the manifest declares no schema).");
        return engine;
    }

    private static Object rawSchema(Experiment e, CollectionSpec c) {
        if (e.config() != null && e.config().get("collections") instanceof Map<?, ?> colls
                && colls.get(c.name()) instanceof Map<?, ?> spec) {
            return spec.get("schema");
        }
        return null;
    }

    private static Map<String, Object> problemSchema() {
        return map("type", "object", "description", "RFC 9457 problem details", "properties", map(
                "type", map("type", "string"), "title", map("type", "string"), "status", map("type", "integer"),
                "detail", map("type", "string"), "errors", map("type", "array", "items", map("type", "object",
                        "properties", map("path", map("type", "string"), "message", map("type", "string"))))));
    }

    // ------------------------------------------------------------------ helpers

    static boolean hasTextIndex(Experiment e, CollectionSpec c) {
        for (IndexSpec i : e.indexes()) {
            if (i.collection().equals(c.name()) && i.type().equals("text")) {
                return true;
            }
        }
        return false;
    }

    private static Map<String, Object> operation(Experiment e, String id, String summary, String level, String description, String tag) {
        String lvl = level == null ? "public" : level;
        Map<String, Object> op = new LinkedHashMap<>();
        op.put("operationId", id);
        op.put("summary", summary);
        op.put("description", (description == null ? "" : description + " ") + "Access level: " + lvl + ".");
        op.put("tags", List.of(tag));
        op.put("x-access-level", lvl);
        boolean anonymous = lvl.equals("public") && !e.authRequired() && e.allowedRoles().isEmpty() && e.allowedUsers().isEmpty();
        op.put("security", anonymous ? List.of(map()) : List.of(map("bearer", List.of()), map("session", List.of())));
        return op;
    }

    private static Map<String, Object> responses(String code, String description, Map<String, Object> schema) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put(code, schema == null ? map("description", description)
                : map("description", description, "content", map("application/json", map("schema", schema))));
        Map<String, Object> problem = map("application/problem+json", map("schema", ref(PROBLEM)));
        r.put("400", map("description", "invalid input", "content", problem));
        r.put("401", map("description", "login required", "content", problem));
        r.put("403", map("description", "access level not met", "content", problem));
        r.put("404", map("description", "no such experiment, collection, query or document", "content", problem));
        return r;
    }

    private static Map<String, Object> query(String name, String description, Map<String, Object> schema) {
        return query(name, description, schema, false);
    }

    private static Map<String, Object> query(String name, String description, Map<String, Object> schema, boolean required) {
        Map<String, Object> p = map("name", name, "in", "query", "required", required, "schema", schema);
        if (description != null) {
            p.put("description", description);
        }
        return p;
    }

    private static Map<String, Object> ref(String name) {
        return map("$ref", name.startsWith("#") ? name : "#/components/schemas/" + name);
    }

    /** Component names allow letters, digits, ".", "-" and "_" (collection names already satisfy that). */
    static String schemaName(String collection) {
        return collection.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    static Map<String, Object> map(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }
}
