package com.modularlabs.data;

import com.modularlabs.common.FieldError;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.bson.BsonRegularExpression;
import org.bson.Document;

/**
 * The whitelist of query operators a client may use in {@code filter} (contract section 5), and the checks of
 * PATCH update documents. Everything else ($where, $function, $accumulator, $expr, $jsonSchema, $text, unknown
 * operators) is refused with the JSON path of the offending key. Pure functions, no I/O.
 */
public final class FilterRules {
    static final Set<String> LOGICAL = Set.of("$and", "$or", "$nor");
    static final Set<String> FIELD_OPS = Set.of("$eq", "$ne", "$gt", "$gte", "$lt", "$lte", "$in", "$nin", "$exists",
            "$not", "$regex", "$options", "$size", "$all", "$elemMatch", "$type");
    static final Set<String> UPDATE_OPS = Set.of("$set", "$unset", "$inc", "$push", "$pull", "$addToSet");
    static final Set<String> ARRAY_MODIFIERS = Set.of("$each", "$slice", "$sort", "$position");
    /** Fields the engine owns: never set by clients, never changed by updates. */
    public static final Set<String> PROTECTED = Set.of("_id", "experiment_id", "created_by", "created_at", "updated_at");

    private final int maxDepth;
    private final RegexGuard regex;
    /** Fields a filter may not name (per call: the author field for readers who are not admins). */
    private Set<String> hidden = Set.of();
    /** Regexes of a filter go to the store (backtracking rules); those of a $pull run in the engine (RE2/J). */
    private boolean forStore;

    public FilterRules(int maxDepth, int maxRegex) {
        this(maxDepth, new RegexGuard(maxRegex, true));
    }

    public FilterRules(int maxDepth, RegexGuard regex) {
        this.maxDepth = maxDepth;
        this.regex = regex;
    }

    private FilterRules(FilterRules base, Set<String> hidden, boolean forStore) {
        this.maxDepth = base.maxDepth;
        this.regex = base.regex;
        this.hidden = hidden;
        this.forStore = forStore;
    }

    /** Errors of a client filter; empty when it may run. */
    public List<FieldError> checkFilter(Document filter) {
        return checkFilter(filter, Set.of());
    }

    /** As {@link #checkFilter(Document)}, refusing conditions on {@code hidden} fields (and their sub-fields). */
    public List<FieldError> checkFilter(Document filter, Set<String> hidden) {
        List<FieldError> errors = new ArrayList<>();
        new FilterRules(this, hidden, true).query(filter, "$", 1, errors, false);
        return errors;
    }

    private String regexError(String pattern, String options) {
        return forStore ? regex.checkForStore(pattern, options) : regex.checkForEngine(pattern, options);
    }

    private void query(Document q, String path, int depth, List<FieldError> errors, boolean allowFieldOps) {
        if (depth > maxDepth) {
            errors.add(new FieldError(path, "filter nested deeper than " + maxDepth + " levels"));
            return;
        }
        for (Map.Entry<String, Object> e : q.entrySet()) {
            String key = e.getKey();
            String p = path + "." + key;
            if (key.startsWith("$")) {
                if (LOGICAL.contains(key)) {
                    if (!(e.getValue() instanceof List<?> list) || list.isEmpty()) {
                        errors.add(new FieldError(p, key + " needs a non-empty array of filters"));
                        continue;
                    }
                    for (int i = 0; i < list.size(); i++) {
                        if (list.get(i) instanceof Document d) {
                            query(d, p + "[" + i + "]", depth + 1, errors, false);
                        } else {
                            errors.add(new FieldError(p + "[" + i + "]", "must be an object"));
                        }
                    }
                } else if (allowFieldOps && FIELD_OPS.contains(key)) {
                    operator(key, e.getValue(), p, depth, errors);
                } else {
                    errors.add(new FieldError(p, "operator " + key + " is not allowed"));
                }
                continue;
            }
            if (!validField(key)) {
                errors.add(new FieldError(p, "invalid field name"));
                continue;
            }
            if (hidden.contains(key.split("\\.", 2)[0])) {
                errors.add(new FieldError(p, "field '" + key + "' cannot be used in a filter"));
                continue;
            }
            condition(e.getValue(), p, depth + 1, errors);
        }
    }

    /** The value of a field in a query: a literal, or an object of field operators. */
    private void condition(Object v, String path, int depth, List<FieldError> errors) {
        if (depth > maxDepth) {
            errors.add(new FieldError(path, "filter nested deeper than " + maxDepth + " levels"));
            return;
        }
        if (v instanceof Document d && !d.isEmpty() && d.keySet().stream().anyMatch(k -> k.startsWith("$"))) {
            if (!d.keySet().stream().allMatch(k -> k.startsWith("$"))) {
                errors.add(new FieldError(path, "cannot mix operators and field names"));
                return;
            }
            for (Map.Entry<String, Object> op : d.entrySet()) {
                if (op.getKey().equals("$regex")) {
                    regexOperator(op.getValue(), d.get("$options"), path + ".$regex", errors);
                } else {
                    operator(op.getKey(), op.getValue(), path + "." + op.getKey(), depth, errors);
                }
            }
            if (d.containsKey("$options") && !d.containsKey("$regex")) {
                errors.add(new FieldError(path + ".$options", "$options needs $regex"));
            }
            return;
        }
        literal(v, path, depth, errors);
    }

    private void operator(String op, Object v, String path, int depth, List<FieldError> errors) {
        if (!FIELD_OPS.contains(op)) {
            errors.add(new FieldError(path, "operator " + op + " is not allowed"));
            return;
        }
        switch (op) {
            case "$in", "$nin", "$all" -> {
                if (!(v instanceof List<?> list)) {
                    errors.add(new FieldError(path, op + " needs an array"));
                    return;
                }
                for (int i = 0; i < list.size(); i++) {
                    Object item = list.get(i);
                    if (op.equals("$all") && item instanceof Document d && d.containsKey("$elemMatch")) {
                        condition(d, path + "[" + i + "]", depth + 1, errors);
                    } else {
                        literal(item, path + "[" + i + "]", depth + 1, errors);
                    }
                }
            }
            case "$not" -> {
                if (v instanceof Document d) {
                    if (d.isEmpty() || !d.keySet().stream().allMatch(k -> k.startsWith("$"))) {
                        errors.add(new FieldError(path, "$not needs an object of operators or a regex"));
                    } else {
                        condition(d, path, depth + 1, errors);
                    }
                } else if (v instanceof BsonRegularExpression || v instanceof Pattern) {
                    literal(v, path, depth, errors);
                } else {
                    errors.add(new FieldError(path, "$not needs an object of operators or a regex"));
                }
            }
            case "$regex" -> regexOperator(v, null, path, errors); // inside $elemMatch
            case "$options" -> {
                if (!(v instanceof String s) || !RegexGuard.validOptions(s)) {
                    errors.add(new FieldError(path, "$options may only hold the flags i, m, x, s, u"));
                }
            }
            case "$exists" -> {
                if (!(v instanceof Boolean) && !(v instanceof Number)) {
                    errors.add(new FieldError(path, "$exists needs a boolean"));
                }
            }
            case "$size" -> {
                if (!(v instanceof Integer) && !(v instanceof Long)) {
                    errors.add(new FieldError(path, "$size needs an integer"));
                }
            }
            case "$type" -> {
                boolean ok = v instanceof String || v instanceof Number
                        || (v instanceof List<?> l && l.stream().allMatch(t -> t instanceof String || t instanceof Number));
                if (!ok) {
                    errors.add(new FieldError(path, "$type needs a type name, number or array of them"));
                }
            }
            case "$elemMatch" -> {
                if (!(v instanceof Document d)) {
                    errors.add(new FieldError(path, "$elemMatch needs an object"));
                } else {
                    query(d, path, depth + 1, errors, true);
                }
            }
            default -> literal(v, path, depth, errors); // $eq $ne $gt $gte $lt $lte
        }
    }

    /** {$regex: pattern, $options: o}: a string or a BSON regex (whose own options combine with $options). */
    private void regexOperator(Object v, Object options, String path, List<FieldError> errors) {
        String pattern = v instanceof String s ? s : v instanceof BsonRegularExpression r ? r.getPattern() : null;
        if (pattern == null) {
            errors.add(new FieldError(path, "$regex needs a string"));
            return;
        }
        String opts = (options instanceof String o ? o : "") + (v instanceof BsonRegularExpression r ? r.getOptions() : "");
        if (!RegexGuard.validOptions(opts)) {
            return; // reported at $options
        }
        String err = regexError(pattern, opts);
        if (err != null) {
            errors.add(new FieldError(path, err));
        }
    }

    /** A literal value: objects inside it may not hold operator keys. */
    private void literal(Object v, String path, int depth, List<FieldError> errors) {
        if (depth > maxDepth) {
            errors.add(new FieldError(path, "filter nested deeper than " + maxDepth + " levels"));
            return;
        }
        if (v instanceof BsonRegularExpression r) {
            String err = RegexGuard.validOptions(r.getOptions()) ? regexError(r.getPattern(), r.getOptions()) : null;
            if (!RegexGuard.validOptions(r.getOptions())) {
                errors.add(new FieldError(path + ".$options", "$options may only hold the flags i, m, x, s, u"));
            } else if (err != null) {
                errors.add(new FieldError(path, err));
            }
        } else if (v instanceof Pattern) {
            errors.add(new FieldError(path, "not a valid value"));
        } else if (v instanceof Document d) {
            for (Map.Entry<String, Object> e : d.entrySet()) {
                if (e.getKey().startsWith("$")) {
                    errors.add(new FieldError(path + "." + e.getKey(), "operator " + e.getKey() + " is not allowed here"));
                } else {
                    literal(e.getValue(), path + "." + e.getKey(), depth + 1, errors);
                }
            }
        } else if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                literal(list.get(i), path + "[" + i + "]", depth + 1, errors);
            }
        }
    }

    /** Errors of a PATCH body: only the six update operators, no engine-owned field, valid paths. */
    public List<FieldError> checkUpdate(Document update) {
        return new FilterRules(this, Set.of(), false).update(update);
    }

    private List<FieldError> update(Document update) {
        List<FieldError> errors = new ArrayList<>();
        if (update.isEmpty()) {
            errors.add(new FieldError("$", "an update needs at least one operator"));
        }
        for (Map.Entry<String, Object> e : update.entrySet()) {
            String op = e.getKey();
            String p = "$." + op;
            if (!UPDATE_OPS.contains(op)) {
                errors.add(new FieldError(p, op.startsWith("$") ? "update operator " + op + " is not allowed"
                        : "PATCH takes update operators ($set, $unset, $inc, $push, $pull, $addToSet), not fields; use PUT to replace"));
                continue;
            }
            if (!(e.getValue() instanceof Document fields) || fields.isEmpty()) {
                errors.add(new FieldError(p, op + " needs a non-empty object"));
                continue;
            }
            for (Map.Entry<String, Object> f : fields.entrySet()) {
                String field = f.getKey();
                String fp = p + "." + field;
                String root = field.split("\\.", 2)[0];
                if (PROTECTED.contains(root)) {
                    errors.add(new FieldError(fp, "'" + root + "' is managed by the engine and cannot be changed"));
                    continue;
                }
                if (!validUpdatePath(field)) {
                    errors.add(new FieldError(fp, "invalid field path"));
                    continue;
                }
                Object v = f.getValue();
                switch (op) {
                    case "$inc" -> {
                        if (!(v instanceof Number)) {
                            errors.add(new FieldError(fp, "$inc needs a number"));
                        }
                    }
                    case "$pull" -> condition(v, fp, 2, errors);
                    case "$push", "$addToSet" -> {
                        if (v instanceof Document d && d.keySet().stream().anyMatch(k -> k.startsWith("$"))) {
                            for (Map.Entry<String, Object> m : d.entrySet()) {
                                if (!ARRAY_MODIFIERS.contains(m.getKey())) {
                                    errors.add(new FieldError(fp + "." + m.getKey(), "modifier " + m.getKey() + " is not allowed"));
                                } else if (m.getKey().equals("$each")) {
                                    storedValue(m.getValue(), fp + ".$each", errors);
                                }
                            }
                        } else {
                            storedValue(v, fp, errors);
                        }
                    }
                    case "$set" -> storedValue(v, fp, errors);
                    default -> { } // $unset: value ignored
                }
            }
        }
        return errors;
    }

    /** A value stored in a document: no $-prefixed or empty keys at any depth. */
    public static void storedValue(Object v, String path, List<FieldError> errors) {
        if (v instanceof Document d) {
            for (Map.Entry<String, Object> e : d.entrySet()) {
                String k = e.getKey();
                if (k.isEmpty() || k.startsWith("$") || k.indexOf('\0') >= 0) {
                    errors.add(new FieldError(path + "." + k, "field names may not be empty or start with '$'"));
                } else {
                    storedValue(e.getValue(), path + "." + k, errors);
                }
            }
        } else if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                storedValue(list.get(i), path + "[" + i + "]", errors);
            }
        }
    }

    /** A dotted field path of a query, sort or projection: non-empty segments, none starting with '$'. */
    public static boolean validField(String field) {
        if (field.isEmpty() || field.length() > 300 || field.indexOf('\0') >= 0) {
            return false;
        }
        for (String seg : field.split("\\.", -1)) {
            if (seg.isEmpty() || seg.startsWith("$")) {
                return false;
            }
        }
        return true;
    }

    /** Update paths may also use the positional operators $, $[] and $[id]. */
    static boolean validUpdatePath(String field) {
        if (field.isEmpty() || field.length() > 300 || field.indexOf('\0') >= 0) {
            return false;
        }
        for (String seg : field.split("\\.", -1)) {
            if (seg.isEmpty() || (seg.startsWith("$") && !seg.equals("$") && !seg.matches("\\$\\[[a-z0-9]*]"))) {
                return false;
            }
        }
        return true;
    }
}
