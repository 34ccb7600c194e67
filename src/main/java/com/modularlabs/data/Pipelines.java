package com.modularlabs.data;

import com.modularlabs.access.AccessLevel;
import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BiFunction;
import java.util.regex.Pattern;
import org.bson.BsonRegularExpression;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * Named query pipelines (manifest {@code queries}): checked when the manifest is loaded ({@link #validate}) and
 * scoped and parameterised per request ({@link #prepare}).
 *
 * <p>Collections named by {@code $lookup.from}, {@code $graphLookup.from} and {@code $unionWith} are logical names:
 * {@code "clicks"} is the experiment's own declared collection, {@code "click_tracker.clicks"} is collection
 * {@code clicks} of experiment {@code click_tracker}, allowed only when click_tracker is in data_scope (read only).
 * Physical names are never accepted. The engine resolves them to {@code <owner>_<coll>} and applies the owner's
 * {@code experiment_id} scope inside the joined pipeline.
 */
public final class Pipelines {
    static final Set<String> FORBIDDEN = Set.of("$out", "$merge", "$function", "$accumulator", "$where");
    static final Set<String> FORBIDDEN_STAGES = Set.of("$currentOp", "$listSessions", "$listLocalSessions", "$collStats",
            "$indexStats", "$planCacheStats", "$changeStream", "$changeStreamSplitLargeEvent", "$documents", "$listSearchIndexes",
            "$shardedDataDistribution", "$querySettings", "$listSampledQueries");
    static final Set<String> PARAM_TYPES = Set.of("string", "int", "number", "bool", "date", "objectId");
    static final Set<String> FIRST_ONLY = Set.of("$search", "$searchMeta", "$vectorSearch", "$geoNear");

    private Pipelines() {
    }

    /** Load-time check of one named query; errors at {@code $.queries.<name>...}. */
    public static List<FieldError> validate(String slug, String name, List<?> pipeline, Document params,
            Set<String> ownCollections, List<String> dataScope, int maxStages) {
        List<FieldError> errors = new ArrayList<>();
        String base = "$.queries." + name;
        if (params != null) {
            for (Map.Entry<String, Object> p : params.entrySet()) {
                String pp = base + ".params." + p.getKey();
                if (!(p.getValue() instanceof Document d) || !PARAM_TYPES.contains(String.valueOf(d.get("type")))) {
                    errors.add(new FieldError(pp + ".type", "must be one of " + PARAM_TYPES));
                }
            }
        }
        if (pipeline == null) {
            errors.add(new FieldError(base + ".pipeline", "a pipeline (array of stages) is required"));
            return errors;
        }
        if (pipeline.size() > maxStages) {
            errors.add(new FieldError(base + ".pipeline", "at most " + maxStages + " stages"));
        }
        stages(pipeline, base + ".pipeline", true, params == null ? new Document() : params, ownCollections, dataScope, errors);
        return errors;
    }

    private static void stages(List<?> pipeline, String path, boolean top, Document params, Set<String> own,
            List<String> scope, List<FieldError> errors) {
        for (int i = 0; i < pipeline.size(); i++) {
            String sp = path + "[" + i + "]";
            if (!(pipeline.get(i) instanceof Document stage) || stage.size() != 1) {
                errors.add(new FieldError(sp, "a stage is an object with exactly one operator"));
                continue;
            }
            String op = stage.keySet().iterator().next();
            Object body = stage.get(op);
            String bp = sp + "." + op;
            if (FORBIDDEN.contains(op) || FORBIDDEN_STAGES.contains(op)) {
                errors.add(new FieldError(bp, "stage " + op + " is not allowed"));
                continue;
            }
            if (FIRST_ONLY.contains(op) && (i != 0 || !top)) {
                errors.add(new FieldError(bp, op + " must be the first stage of the query's pipeline"));
            }
            switch (op) {
                case "$lookup", "$graphLookup" -> {
                    if (!(body instanceof Document d)) {
                        errors.add(new FieldError(bp, op + " needs an object"));
                        continue;
                    }
                    from(d.get("from"), bp + ".from", own, scope, errors);
                    if (d.get("pipeline") instanceof List<?> sub) {
                        stages(sub, bp + ".pipeline", false, params, own, scope, errors);
                    }
                    scan(d, bp, params, errors, Set.of("pipeline"));
                }
                case "$unionWith" -> {
                    if (body instanceof String s) {
                        from(s, bp, own, scope, errors);
                    } else if (body instanceof Document d) {
                        from(d.get("coll"), bp + ".coll", own, scope, errors);
                        if (d.get("pipeline") instanceof List<?> sub) {
                            stages(sub, bp + ".pipeline", false, params, own, scope, errors);
                        }
                    } else {
                        errors.add(new FieldError(bp, "$unionWith needs a collection name or an object"));
                    }
                }
                case "$facet" -> {
                    if (!(body instanceof Document d)) {
                        errors.add(new FieldError(bp, "$facet needs an object"));
                        continue;
                    }
                    for (Map.Entry<String, Object> f : d.entrySet()) {
                        if (f.getValue() instanceof List<?> sub) {
                            stages(sub, bp + "." + f.getKey(), false, params, own, scope, errors);
                        } else {
                            errors.add(new FieldError(bp + "." + f.getKey(), "must be a pipeline"));
                        }
                    }
                }
                default -> scan(body, bp, params, errors, Set.of());
            }
        }
    }

    private static final RegexGuard SYNTAX = new RegexGuard(1000, false);

    /** Refuses forbidden operators anywhere and undeclared $param placeholders. */
    private static void scan(Object v, String path, Document params, List<FieldError> errors, Set<String> skip) {
        if (v instanceof Document d) {
            if (d.size() == 1 && d.containsKey("$param")) {
                if (!(d.get("$param") instanceof String n) || !params.containsKey(n)) {
                    errors.add(new FieldError(path + ".$param", "undeclared parameter " + d.get("$param")));
                }
                return;
            }
            for (Map.Entry<String, Object> e : d.entrySet()) {
                if (skip.contains(e.getKey())) {
                    continue;
                }
                String p = path + "." + e.getKey();
                if (e.getKey().equals("$regex") && e.getValue() instanceof String re) {
                    // RE2 syntax at load time; whether the store may run it is decided per request (RegexGuard, strict)
                    String err = SYNTAX.checkForEngine(re, d.get("$options") instanceof String o ? o : "");
                    if (err != null) {
                        errors.add(new FieldError(p, err));
                    }
                } else if (FORBIDDEN.contains(e.getKey())) {
                    errors.add(new FieldError(p, "operator " + e.getKey() + " is not allowed"));
                } else if (e.getKey().equals("$lookup") || e.getKey().equals("$unionWith") || e.getKey().equals("$graphLookup")) {
                    errors.add(new FieldError(p, e.getKey() + " is only allowed as a stage"));
                } else {
                    scan(e.getValue(), p, params, errors, Set.of());
                }
            }
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                scan(l.get(i), path + "[" + i + "]", params, errors, Set.of());
            }
        }
    }

    private static void from(Object from, String path, Set<String> own, List<String> scope, List<FieldError> errors) {
        if (!(from instanceof String s) || s.isEmpty()) {
            errors.add(new FieldError(path, "must name a collection: 'coll' (own) or 'owner_slug.coll' (an experiment in data_scope)"));
            return;
        }
        int dot = s.indexOf('.');
        if (dot < 0) {
            if (!own.contains(s)) {
                errors.add(new FieldError(path, "collection '" + s + "' is not declared by this experiment"));
            }
        } else if (!scope.contains(s.substring(0, dot))) {
            errors.add(new FieldError(path, "experiment '" + s.substring(0, dot) + "' is not in data_scope"));
        }
    }

    /**
     * A resolved collection reference: physical name, the experiment_id its documents carry, and the created_by
     * condition its documents are restricted to when the caller reads an {@code owner} collection (a user id, or
     * {$in: [id, e-mail]}; null: no restriction).
     */
    public record Target(String physical, String owner, Object ownerOnly) {
        public Target(String physical, String owner) {
            this(physical, owner, null);
        }
    }

    /** Drops the author field right after the scope $match, for callers who may not learn who wrote what. */
    static final Document HIDE_AUTHOR = new Document("$project", new Document(AccessLevel.AUTHOR, 0));

    /** The engine's scope filter: {experiment_id: owner} plus {created_by: user} for owner-level reads. */
    static Document scope(String owner, Object ownerOnly) {
        Document d = new Document("experiment_id", owner);
        if (ownerOnly != null) {
            d.append("created_by", ownerOnly);
        }
        return d;
    }

    /**
     * Copies the pipeline with parameters substituted, every collection reference resolved and scoped, and the
     * experiment's scope $match injected; {@code resolve(slug, logicalName)} returns the target or throws.
     */
    public static List<Document> prepare(String slug, List<Document> pipeline, Map<String, Object> values,
            BiFunction<String, String, Target> resolve) {
        return prepare(slug, null, false, pipeline, values, resolve);
    }

    public static List<Document> prepare(String slug, Object ownerOnly, List<Document> pipeline, Map<String, Object> values,
            BiFunction<String, String, Target> resolve) {
        return prepare(slug, ownerOnly, false, pipeline, values, resolve);
    }

    /**
     * As {@link #prepare(String, List, Map, BiFunction)}, restricted to the documents {@code ownerOnly} created when
     * that is not null (owner-level reads). Parameter values are substituted as literals: a string landing in an
     * aggregation expression is wrapped in {$literal}, so "$password" can never become a field path.
     */
    public static List<Document> prepare(String slug, Object ownerOnly, boolean hideAuthor, List<Document> pipeline,
            Map<String, Object> values, BiFunction<String, String, Target> resolve) {
        List<Document> out = substStages(pipeline, values);
        List<Document> scoped = scopeStages(slug, out, resolve, hideAuthor);
        int scopeAt = scopeInto(scoped, scope(slug, ownerOnly));
        if (hideAuthor && ownerOnly == null) { // owner-restricted: every document is the caller's own
            scoped.add(scopeAt + 1, HIDE_AUTHOR);
        }
        return scoped;
    }

    /** Puts the scope into the pipeline; returns the index of the stage that applies it. */
    private static int scopeInto(List<Document> scoped, Document scope) {
        Document match = new Document("$match", scope);
        if (!scoped.isEmpty()) {
            Document first = scoped.get(0);
            String op = first.keySet().iterator().next();
            if (op.equals("$vectorSearch") || op.equals("$geoNear")) {
                String key = op.equals("$vectorSearch") ? "filter" : "query";
                Document body = new Document(first.get(op, Document.class));
                Object existing = body.get(key);
                body.put(key, existing == null ? scope : new Document("$and", List.of(existing, scope)));
                scoped.set(0, new Document(op, body));
                return 0;
            }
            if (op.equals("$search") || op.equals("$searchMeta")) {
                scoped.add(1, match);
                return 1;
            }
            if (op.equals("$match") && first.get(op) instanceof Document m && m.containsKey("$text")) {
                // a $text $match must stay the first stage: AND the scope into it
                scoped.set(0, new Document("$match", new Document("$and", List.of(scope, m))));
                return 0;
            }
        }
        scoped.add(0, match);
        return 0;
    }

    private static List<Document> scopeStages(String slug, List<Document> stages, BiFunction<String, String, Target> resolve,
            boolean hideAuthor) {
        List<Document> out = new ArrayList<>();
        for (Document stage : stages) {
            String op = stage.keySet().iterator().next();
            Object body = stage.get(op);
            switch (op) {
                case "$lookup" -> {
                    Document d = new Document((Document) body);
                    Target t = resolve.apply(slug, d.getString("from"));
                    d.put("from", t.physical());
                    List<Document> sub = d.get("pipeline") instanceof List<?> l ? castDocs(l) : List.of();
                    List<Document> scopedSub = new ArrayList<>(scopeStages(slug, sub, resolve, hideAuthor));
                    scopedSub.add(0, new Document("$match", scope(t.owner(), t.ownerOnly())));
                    if (hideAuthor && t.ownerOnly() == null) {
                        scopedSub.add(1, HIDE_AUTHOR);
                    }
                    d.put("pipeline", scopedSub);
                    out.add(new Document(op, d));
                }
                case "$graphLookup" -> {
                    Document d = new Document((Document) body);
                    Target t = resolve.apply(slug, d.getString("from"));
                    d.put("from", t.physical());
                    Object r = d.get("restrictSearchWithMatch");
                    Document sc = scope(t.owner(), t.ownerOnly());
                    d.put("restrictSearchWithMatch", r == null ? sc : new Document("$and", List.of(r, sc)));
                    out.add(new Document(op, d));
                    if (hideAuthor && t.ownerOnly() == null && d.get("as") instanceof String as) {
                        out.add(new Document("$project", new Document(as + "." + AccessLevel.AUTHOR, 0)));
                    }
                }
                case "$unionWith" -> {
                    Document d = body instanceof String s ? new Document("coll", s) : new Document((Document) body);
                    Target t = resolve.apply(slug, d.getString("coll"));
                    d.put("coll", t.physical());
                    List<Document> sub = d.get("pipeline") instanceof List<?> l ? castDocs(l) : List.of();
                    List<Document> scopedSub = new ArrayList<>(scopeStages(slug, sub, resolve, hideAuthor));
                    scopedSub.add(0, new Document("$match", scope(t.owner(), t.ownerOnly())));
                    if (hideAuthor && t.ownerOnly() == null) {
                        scopedSub.add(1, HIDE_AUTHOR);
                    }
                    d.put("pipeline", scopedSub);
                    out.add(new Document(op, d));
                }
                case "$facet" -> {
                    Document d = new Document();
                    for (Map.Entry<String, Object> f : ((Document) body).entrySet()) {
                        d.put(f.getKey(), scopeStages(slug, castDocs((List<?>) f.getValue()), resolve, hideAuthor));
                    }
                    out.add(new Document(op, d));
                }
                default -> out.add(stage);
            }
        }
        return out;
    }

    /** The regexes a prepared pipeline sends to the store, each checked by {@code guard}; errors name their path. */
    public static List<FieldError> regexErrors(List<Document> pipeline, RegexGuard guard) {
        List<FieldError> errors = new ArrayList<>();
        regexes(pipeline, "pipeline", guard, errors);
        return errors;
    }

    private static final Set<String> REGEX_EXPRESSIONS = Set.of("$regexMatch", "$regexFind", "$regexFindAll");

    private static void regexes(Object v, String path, RegexGuard guard, List<FieldError> errors) {
        if (v instanceof BsonRegularExpression r) {
            add(errors, path, guard.checkForStore(r.getPattern(), r.getOptions()));
        } else if (v instanceof Pattern p) {
            add(errors, path, guard.checkForStore(p.pattern(), ""));
        } else if (v instanceof Document d) {
            for (Map.Entry<String, Object> e : d.entrySet()) {
                String p = path + "." + e.getKey();
                Object x = e.getValue();
                if (e.getKey().equals("$regex")) {
                    String opts = d.get("$options") instanceof String o ? o : "";
                    if (x instanceof String s) {
                        add(errors, p, guard.checkForStore(s, opts));
                    } else if (x instanceof BsonRegularExpression r) {
                        add(errors, p, guard.checkForStore(r.getPattern(), opts + r.getOptions()));
                    } else {
                        errors.add(new FieldError(p, "$regex needs a string"));
                    }
                } else if (REGEX_EXPRESSIONS.contains(e.getKey()) && x instanceof Document body) {
                    Object re = body.get("regex") instanceof Document lit && lit.size() == 1 && lit.containsKey("$literal")
                            ? lit.get("$literal") : body.get("regex");
                    String opts = body.get("options") instanceof String o ? o : "";
                    if (re instanceof String s && !s.startsWith("$")) {
                        add(errors, p + ".regex", guard.checkForStore(s, opts));
                    } else if (re instanceof BsonRegularExpression r) {
                        add(errors, p + ".regex", guard.checkForStore(r.getPattern(), opts + r.getOptions()));
                    } else {
                        errors.add(new FieldError(p + ".regex", "must be a constant regex (a field or variable could hold any pattern)"));
                    }
                    regexes(body.get("input"), p + ".input", guard, errors);
                } else {
                    regexes(x, p, guard, errors);
                }
            }
        } else if (v instanceof List<?> l) {
            for (int i = 0; i < l.size(); i++) {
                regexes(l.get(i), path + "[" + i + "]", guard, errors);
            }
        }
    }

    private static void add(List<FieldError> errors, String path, String error) {
        if (error != null) {
            errors.add(new FieldError(path, error));
        }
    }

    private static List<Document> castDocs(List<?> l) {
        List<Document> out = new ArrayList<>();
        for (Object o : l) {
            out.add((Document) o);
        }
        return out;
    }

    /** Stages whose bodies are query documents or plain constants (no aggregation expressions at the top). */
    private static final Set<String> QUERY_STAGES = Set.of("$match", "$limit", "$skip", "$sample", "$sort", "$count",
            "$geoNear", "$vectorSearch", "$search", "$searchMeta");

    private static List<Document> substStages(List<Document> stages, Map<String, Object> values) {
        List<Document> out = new ArrayList<>(stages.size());
        for (Document stage : stages) {
            Document o = new Document();
            for (Map.Entry<String, Object> e : stage.entrySet()) {
                String op = e.getKey();
                Object body = e.getValue();
                if ((op.equals("$lookup") || op.equals("$unionWith") || op.equals("$graphLookup")) && body instanceof Document d) {
                    Document b = new Document();
                    d.forEach((k, x) -> {
                        if (k.equals("pipeline") && x instanceof List<?> l) {
                            b.put(k, substStages(castDocs(l), values));
                        } else if (k.equals("restrictSearchWithMatch")) {
                            b.put(k, subst(x, values, false));
                        } else {
                            b.put(k, subst(x, values, true));
                        }
                    });
                    o.put(op, b);
                } else if (op.equals("$facet") && body instanceof Document d) {
                    Document b = new Document();
                    d.forEach((k, x) -> b.put(k, x instanceof List<?> l ? substStages(castDocs(l), values) : subst(x, values, true)));
                    o.put(op, b);
                } else {
                    o.put(op, subst(body, values, !QUERY_STAGES.contains(op)));
                }
            }
            out.add(o);
        }
        return out;
    }

    /**
     * Substitutes {"$param": n}. {@code expr}: whether the value sits in an aggregation expression, where a string
     * starting with '$' would be a field path (or '$$' a variable): there strings are wrapped in {$literal}. In query
     * documents ($match outside $expr) a string is always compared as a literal.
     */
    static Object subst(Object v, Map<String, Object> values, boolean expr) {
        if (v instanceof Document d) {
            if (d.size() == 1 && d.get("$param") instanceof String n) {
                Object value = values.get(n);
                return expr && value instanceof String ? new Document("$literal", value) : value;
            }
            Document out = new Document();
            d.forEach((k, x) -> out.put(k, subst(x, values, expr || k.equals("$expr"))));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(x -> out.add(subst(x, values, expr)));
            return out;
        }
        return v;
    }

    /** Typed, validated parameter values from the query string; unknown or invalid → 400. */
    public static Map<String, Object> params(Document declared, Map<String, List<String>> given) {
        List<FieldError> errors = new ArrayList<>();
        Map<String, Object> values = new HashMap<>();
        for (String k : given.keySet()) {
            if (!declared.containsKey(k)) {
                errors.add(new FieldError(k, "unknown parameter"));
            }
        }
        for (Map.Entry<String, Object> e : declared.entrySet()) {
            String n = e.getKey();
            Document spec = (Document) e.getValue();
            List<String> raw = given.get(n);
            Object value;
            if (raw == null || raw.isEmpty()) {
                if (spec.containsKey("default")) {
                    values.put(n, spec.get("default"));
                } else if (Boolean.TRUE.equals(spec.get("required"))) {
                    errors.add(new FieldError(n, "required"));
                } else {
                    values.put(n, null);
                }
                continue;
            }
            if (raw.size() > 1) {
                errors.add(new FieldError(n, "given more than once"));
                continue;
            }
            String s = raw.get(0);
            try {
                value = convert(spec.getString("type"), s);
            } catch (RuntimeException bad) {
                errors.add(new FieldError(n, "not a valid " + spec.getString("type")));
                continue;
            }
            String err = bounds(spec, value, s);
            if (err != null) {
                errors.add(new FieldError(n, err));
                continue;
            }
            values.put(n, value);
        }
        if (!errors.isEmpty()) {
            throw Failure.invalid("Invalid query parameters", errors);
        }
        return values;
    }

    private static Object convert(String type, String s) {
        return switch (type) {
            case "int" -> Long.parseLong(s.strip());
            case "number" -> {
                double d = Double.parseDouble(s.strip());
                if (Double.isNaN(d) || Double.isInfinite(d)) {
                    throw new IllegalArgumentException();
                }
                yield d;
            }
            case "bool" -> switch (s.strip()) {
                case "true" -> Boolean.TRUE;
                case "false" -> Boolean.FALSE;
                default -> throw new IllegalArgumentException();
            };
            case "date" -> s.length() == 10 ? Date.from(LocalDate.parse(s).atStartOfDay(ZoneOffset.UTC).toInstant())
                    : Date.from(Instant.parse(s));
            case "objectId" -> new ObjectId(s);
            default -> s;
        };
    }

    private static String bounds(Document spec, Object value, String raw) {
        if (spec.get("max_length") instanceof Number ml && raw.length() > ml.intValue()) {
            return "longer than " + ml + " characters";
        }
        if (value instanceof Number n) {
            if (spec.get("min") instanceof Number min && n.doubleValue() < min.doubleValue()) {
                return "must be ≥ " + min;
            }
            if (spec.get("max") instanceof Number max && n.doubleValue() > max.doubleValue()) {
                return "must be ≤ " + max;
            }
        }
        if (spec.get("enum") instanceof List<?> allowed) {
            boolean ok = allowed.stream().anyMatch(a -> a.equals(value)
                    || (a instanceof Number an && value instanceof Number vn && an.doubleValue() == vn.doubleValue())
                    || String.valueOf(a).equals(raw));
            if (!ok) {
                return "must be one of " + allowed;
            }
        }
        return null;
    }
}
