package com.modularlabs.registry;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.modularlabs.common.FieldError;
import com.modularlabs.store.EngineCollections;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import jakarta.enterprise.context.ApplicationScoped;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.bson.Document;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriterSettings;

/**
 * Validates manifests against the JSON Schema shipped in the service (schema/manifest.schema.json) and the slug
 * rules of contract section 2, giving one {@link FieldError} per problem with its JSON path.
 */
@ApplicationScoped
public class ManifestValidator {
    public static final Pattern SLUG = Pattern.compile("^[a-z0-9][a-z0-9_-]{0,47}$");
    static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();

    private final ObjectMapper mapper = new ObjectMapper();
    private final JsonSchemaFactory factory = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012);
    private final JsonSchema manifestSchema;
    private final Map<String, Document> justSeeded = new ConcurrentHashMap<>();

    public ManifestValidator() {
        try (InputStream in = ManifestValidator.class.getResourceAsStream("/schema/manifest.schema.json")) {
            if (in == null) {
                throw new IllegalStateException("schema/manifest.schema.json is missing from the build");
            }
            manifestSchema = factory.getSchema(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static boolean isValidSlug(String slug) {
        return slug != null && SLUG.matcher(slug).matches();
    }

    /** Validates a manifest (or a stored config document) that should be registered as {@code slug}. */
    public List<FieldError> validate(String slug, Document manifest) {
        Document vouched = justSeeded.remove(slug);
        if (vouched != null && vouched.equals(manifest)) {
            return new ArrayList<>(); // the config the folder seed validated and wrote a moment ago, read back by the registry (callers add to it)
        }
        return validate(slug, manifest, toJsonNode(manifest));
    }

    /**
     * Configs the folder seed has just validated and written, so the first registry load does not validate them a
     * second time; only an equal document (read back unchanged) skips, once. {@link #forgetSeeded} drops the rest.
     */
    void seeded(List<Document> configs) {
        configs.forEach(c -> justSeeded.put(c.getString("slug"), c));
    }

    void forgetSeeded() {
        justSeeded.clear();
    }

    /** The same, given the manifest's JSON tree without _id (the folder seed parses each file once, into both). */
    List<FieldError> validate(String slug, Document manifest, JsonNode json) {
        List<FieldError> errors = new ArrayList<>();
        if (!isValidSlug(slug)) {
            errors.add(new FieldError("$.slug", "slug '" + slug + "' must match " + SLUG.pattern()));
        }
        Object declared = manifest.get("slug");
        if (declared != null && !declared.equals(slug)) {
            errors.add(new FieldError("$.slug", "slug '" + declared + "' differs from the folder name '" + slug + "'"));
        }
        errors.addAll(validate(manifestSchema, json));
        if (isValidSlug(slug)) {
            collectionPaths(manifest).forEach((coll, path) -> EngineCollections.reservedBy(EngineCollections.physical(slug, coll))
                    .ifPresent(why -> errors.add(new FieldError(path, "collection '" + coll + "' of experiment '" + slug
                            + "' would be stored in '" + EngineCollections.physical(slug, coll) + "', but " + why
                            + "; rename the collection or the experiment"))));
        }
        return errors;
    }

    /**
     * The collections a manifest declares (collections and managed_indexes), each with the JSON path of its first
     * declaration, in order.
     */
    public static Map<String, String> collectionPaths(Document manifest) {
        Map<String, String> paths = new LinkedHashMap<>();
        for (String key : List.of("collections", "managed_indexes")) {
            if (manifest.get(key) instanceof Document d) {
                d.keySet().forEach(c -> paths.putIfAbsent(c, "$." + key + "." + c));
            }
        }
        return paths;
    }

    /** Compiles a collection's document schema (manifest collections.&lt;c&gt;.schema). */
    public JsonSchema compile(Document schema) {
        return factory.getSchema(toJsonNode(schema));
    }

    public List<FieldError> validate(JsonSchema schema, JsonNode node) {
        List<FieldError> errors = new ArrayList<>();
        for (ValidationMessage m : schema.validate(node)) {
            String path = m.getInstanceLocation() == null ? "$" : m.getInstanceLocation().toString();
            String text = m.getMessage();
            if (text.startsWith(path + ": ")) {
                text = text.substring(path.length() + 2);
            }
            if ("additionalProperties".equals(m.getType()) && m.getProperty() != null) {
                path = path + "." + m.getProperty(); // point at the unknown key itself
            }
            errors.add(new FieldError(path, text));
        }
        errors.sort(Comparator.comparing(FieldError::path).thenComparing(FieldError::message));
        return errors;
    }

    /**
     * Reads a manifest file once into its JSON tree (for the schema) and the Document built from that tree, with
     * the types Document.parse gives (int32 where it fits, int64, double). Extended JSON ($-keys), numbers beyond
     * int64/double and JSON Jackson rejects but the driver's lenient reader accepts go the old way (Document.parse,
     * then the tree of its relaxed JSON), so every file gives the same Document and errors as before.
     */
    Parsed parse(byte[] json) throws IOException {
        JsonNode tree;
        try {
            tree = mapper.readTree(json);
        } catch (IOException | RuntimeException e) {
            tree = null;
        }
        if (tree instanceof ObjectNode object && plain(object) instanceof Document d) {
            object.remove("_id"); // as toJsonNode does
            return new Parsed(d, object);
        }
        // strict UTF-8 as Files.readString was: a malformed file is reported, not read with replacement characters
        Document d = Document.parse(StandardCharsets.UTF_8.newDecoder().decode(java.nio.ByteBuffer.wrap(json)).toString());
        return new Parsed(d, toJsonNode(d));
    }

    /** A manifest and its JSON tree (without _id) for the schema. */
    record Parsed(Document manifest, JsonNode json) {
    }

    /** The Document/List/scalar of a plain JSON node, or null when it needs the driver's reader (see {@link #parse}). */
    private static Object plain(JsonNode n) {
        switch (n.getNodeType()) {
            case OBJECT -> {
                Document d = new Document();
                for (var it = n.fields(); it.hasNext(); ) {
                    var e = it.next();
                    if (e.getKey().startsWith("$")) {
                        return null;
                    }
                    Object v = plain(e.getValue());
                    if (v == null && !e.getValue().isNull()) {
                        return null;
                    }
                    d.put(e.getKey(), v);
                }
                return d;
            }
            case ARRAY -> {
                List<Object> l = new ArrayList<>(n.size());
                for (JsonNode x : n) {
                    Object v = plain(x);
                    if (v == null && !x.isNull()) {
                        return null;
                    }
                    l.add(v);
                }
                return l;
            }
            case STRING -> {
                return n.textValue();
            }
            case BOOLEAN -> {
                return n.booleanValue();
            }
            case NUMBER -> {
                if (n.isInt()) {
                    return n.intValue();
                }
                if (n.isLong()) {
                    return n.longValue();
                }
                return n.isDouble() && Double.isFinite(n.doubleValue()) ? n.doubleValue() : null;
            }
            default -> {
                return null; // null itself (the caller tells it apart), binary, POJO, missing
            }
        }
    }

    public JsonNode toJsonNode(Document doc) {
        Document copy = new Document(doc);
        copy.remove("_id");
        try {
            return mapper.readTree(copy.toJson(RELAXED));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
