package com.modularlabs.registry;

import com.modularlabs.common.FieldError;
import com.modularlabs.store.EngineCollections;
import com.networknt.schema.JsonSchema;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/** Turns a schema-valid config document into an {@link Experiment}, applying the contract's defaults. */
@ApplicationScoped
public class ManifestParser {
    @Inject
    ManifestValidator validator;
    @Inject
    QueryCheck queryCheck;
    @Inject
    jakarta.enterprise.inject.Instance<ManifestExtension> extensions;

    public static final class InvalidManifest extends Exception {
        public final List<FieldError> errors;

        public InvalidManifest(List<FieldError> errors) {
            super(errors.toString(), null, false, false);
            this.errors = errors;
        }
    }

    public Experiment parse(String slug, Document cfg, Path root) throws InvalidManifest {
        List<FieldError> errors = validator.validate(slug, cfg);
        if (!errors.isEmpty()) {
            throw new InvalidManifest(errors);
        }
        boolean authRequired = Boolean.TRUE.equals(cfg.getBoolean("auth_required"));
        String inherited = AccessDefaults.inherited(authRequired);
        Document policy = cfg.get("auth_policy", Document.class);
        List<String> allowedRoles = strings(policy == null ? null : policy.get("allowed_roles"));
        List<String> allowedUsers = strings(policy == null ? null : policy.get("allowed_users"));

        List<String> scope = new ArrayList<>();
        for (String s : strings(cfg.get("data_scope"))) {
            String resolved = s.equals("self") ? slug : s;
            if (!scope.contains(resolved)) {
                scope.add(resolved);
            }
        }
        if (!scope.contains(slug)) {
            scope.add(0, slug);
        }

        Map<String, CollectionSpec> collections = new LinkedHashMap<>();
        Document colls = cfg.get("collections", Document.class);
        if (colls != null) {
            for (Map.Entry<String, Object> e : colls.entrySet()) {
                Document c = (Document) e.getValue();
                Document schema = c.get("schema", Document.class);
                JsonSchema compiled = null;
                if (schema != null) {
                    try {
                        compiled = validator.compile(schema);
                    } catch (RuntimeException bad) {
                        errors.add(new FieldError("$.collections." + e.getKey() + ".schema", "not a usable JSON Schema: " + bad.getMessage()));
                    }
                }
                AccessDefaults levels = AccessDefaults.of(c, authRequired);
                collections.put(e.getKey(), new CollectionSpec(e.getKey(), EngineCollections.physical(slug, e.getKey()),
                        levels.read(), levels.create(), levels.update(), levels.delete(), compiled, c.getInteger("max_document_bytes")));
            }
        }

        List<IndexSpec> indexes = new ArrayList<>();
        Document managed = cfg.get("managed_indexes", Document.class);
        if (managed != null) {
            for (Map.Entry<String, Object> e : managed.entrySet()) {
                String coll = e.getKey();
                AccessDefaults levels = AccessDefaults.of(null, authRequired);
                collections.computeIfAbsent(coll, k -> new CollectionSpec(k, EngineCollections.physical(slug, k), levels.read(),
                        levels.create(), levels.update(), levels.delete(), null, null));
                int i = 0;
                for (Object o : (List<?>) e.getValue()) {
                    Document d = (Document) o;
                    String path = "$.managed_indexes." + coll + "[" + i++ + "]";
                    Document keys;
                    try {
                        keys = keys(d.get("keys"));
                    } catch (IllegalArgumentException bad) {
                        errors.add(new FieldError(path + ".keys", bad.getMessage()));
                        continue;
                    }
                    String name = d.getString("name");
                    indexes.add(new IndexSpec(coll, EngineCollections.physical(slug, coll), name, slug + "_" + name, d.getString("type"), keys,
                            d.get("options", new Document()), d.get("definition", Document.class)));
                }
            }
        }

        Map<String, QuerySpec> queries = new LinkedHashMap<>();
        Document qs = cfg.get("queries", Document.class);
        if (qs != null) {
            for (Map.Entry<String, Object> e : qs.entrySet()) {
                Document q = (Document) e.getValue();
                String coll = q.getString("collection");
                if (!collections.containsKey(coll)) {
                    errors.add(new FieldError("$.queries." + e.getKey() + ".collection", "collection '" + coll + "' is not declared in collections or managed_indexes"));
                }
                List<FieldError> pipelineErrors = queryCheck.check(slug, e.getKey(),
                        q.get("pipeline") instanceof List<?> l ? l : null, q.get("params", Document.class),
                        collections.keySet(), scope);
                if (!pipelineErrors.isEmpty()) {
                    errors.addAll(pipelineErrors);
                    continue;
                }
                List<Document> pipeline = q.getList("pipeline", Document.class);
                queries.put(e.getKey(), new QuerySpec(e.getKey(), coll, pipeline,
                        q.get("params", new Document()), q.getString("read") == null ? inherited : q.getString("read")));
            }
        }
        extensions.forEach(x -> errors.addAll(x.check(slug, cfg)));
        if (!errors.isEmpty()) {
            throw new InvalidManifest(errors);
        }
        Number version = cfg.get("version", Number.class);
        return new Experiment(slug, cfg.getString("name"), cfg.get("description", ""), cfg.get("status", Experiment.ACTIVE),
                authRequired, allowedRoles, allowedUsers, List.copyOf(scope), Map.copyOf(collections), List.copyOf(indexes),
                Map.copyOf(queries), version == null ? 0 : version.longValue(), root, cfg);
    }

    /** g.nome accepts keys as an object or as a list of [field, direction] pairs; order matters for compound keys. */
    static Document keys(Object raw) {
        Document keys = new Document();
        if (raw instanceof Document d) {
            keys.putAll(d);
        } else if (raw instanceof List<?> list) {
            for (Object pair : list) {
                if (!(pair instanceof List<?> p) || p.size() != 2 || !(p.get(0) instanceof String field)) {
                    throw new IllegalArgumentException("each key must be a [field, direction] pair");
                }
                keys.put(field, p.get(1));
            }
        } else if (raw != null) {
            throw new IllegalArgumentException("keys must be an object or a list of [field, direction] pairs");
        }
        return keys;
    }

    private static List<String> strings(Object raw) {
        if (raw instanceof List<?> l) {
            return l.stream().filter(String.class::isInstance).map(String.class::cast).toList();
        }
        return List.of();
    }
}
