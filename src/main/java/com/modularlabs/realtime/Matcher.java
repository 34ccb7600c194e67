package com.modularlabs.realtime;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import com.modularlabs.common.FieldError;
import com.modularlabs.data.BsonValues;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonRegularExpression;
import org.bson.Document;
import org.bson.types.Decimal128;
import org.bson.types.ObjectId;

/**
 * Evaluates a list-API filter against one document in memory, with MongoDB's semantics for the operators
 * data.FilterRules allows (the filter must have passed FilterRules first: depth and regex length are bounded there).
 * Field paths traverse arrays as MongoDB does (a.b over an array of documents, numeric components as indexes); a
 * leaf array matches when the array itself or any element does; comparisons only within a type bracket (numbers,
 * strings, dates, ObjectIds, booleans). Regexes run on RE2/J (linear time); a pattern RE2 cannot express
 * (back-references, look-around) or the x option is refused when the subscription is made.
 */
public final class Matcher {
    private static final Object MISSING = new Object();
    private final Document filter;
    private final Map<String, Pattern> regexes = new HashMap<>();

    /** @throws IllegalArgumentException with the FieldError list in {@link Invalid} when a regex cannot run on RE2 */
    public Matcher(Document filter) {
        this.filter = filter == null ? new Document() : filter;
        List<FieldError> errors = new ArrayList<>();
        compileAll(this.filter, "$", errors);
        if (!errors.isEmpty()) {
            throw new Invalid(errors);
        }
    }

    /** A filter FilterRules accepts but the in-memory matcher cannot run. */
    public static final class Invalid extends IllegalArgumentException {
        final List<FieldError> errors;

        Invalid(List<FieldError> errors) {
            super(errors.get(0).path() + ": " + errors.get(0).message());
            this.errors = errors;
        }
    }

    public boolean matches(Document doc) {
        return query(filter, doc);
    }

    // ---------------------------------------------------------------- regex compilation (at subscribe time)

    private void compileAll(Object node, String path, List<FieldError> errors) {
        if (node instanceof Document d) {
            if (d.containsKey("$regex")) {
                Object p = d.get("$regex");
                String pattern = p instanceof BsonRegularExpression r ? r.getPattern() : String.valueOf(p);
                String options = (p instanceof BsonRegularExpression r ? r.getOptions() : "") + (d.get("$options") instanceof String s ? s : "");
                compile(pattern, options, path + ".$regex", errors);
            }
            for (Map.Entry<String, Object> e : d.entrySet()) {
                compileAll(e.getValue(), path + "." + e.getKey(), errors);
            }
        } else if (node instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                compileAll(list.get(i), path + "[" + i + "]", errors);
            }
        } else if (node instanceof BsonRegularExpression r) {
            compile(r.getPattern(), r.getOptions(), path, errors);
        }
    }

    private Pattern compile(String pattern, String options, String path, List<FieldError> errors) {
        String key = options + "/" + pattern;
        Pattern p = regexes.get(key);
        if (p != null) {
            return p;
        }
        int flags = 0;
        for (char c : options.toCharArray()) {
            switch (c) {
                case 'i' -> flags |= Pattern.CASE_INSENSITIVE;
                case 'm' -> flags |= Pattern.MULTILINE;
                case 's' -> flags |= Pattern.DOTALL;
                case 'u' -> { }
                default -> {
                    errors.add(new FieldError(path, "regex option '" + c + "' is not supported by subscriptions"));
                    return null;
                }
            }
        }
        try {
            p = Pattern.compile(pattern, flags);
        } catch (PatternSyntaxException e) {
            errors.add(new FieldError(path, "regex not supported by subscriptions (RE2 syntax: no back-references or look-around)"));
            return null;
        }
        regexes.put(key, p);
        return p;
    }

    private boolean regex(Object value, String pattern, String options) {
        Pattern p = regexes.get(options + "/" + pattern);
        return p != null && value instanceof String s && p.matcher(s).find();
    }

    // ---------------------------------------------------------------- evaluation

    private boolean query(Document q, Document doc) {
        for (Map.Entry<String, Object> e : q.entrySet()) {
            String k = e.getKey();
            boolean ok = switch (k) {
                case "$and" -> ((List<?>) e.getValue()).stream().allMatch(x -> query((Document) x, doc));
                case "$or" -> ((List<?>) e.getValue()).stream().anyMatch(x -> query((Document) x, doc));
                case "$nor" -> ((List<?>) e.getValue()).stream().noneMatch(x -> query((Document) x, doc));
                default -> field(values(doc, k), e.getValue());
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    /** The values a dotted path reaches (MISSING when it reaches nothing), arrays not yet expanded. */
    static List<Object> values(Document doc, String path) {
        List<Object> out = new ArrayList<>();
        collect(doc, path.split("\\.", -1), 0, out);
        if (out.isEmpty()) {
            out.add(MISSING);
        }
        return out;
    }

    private static void collect(Object node, String[] parts, int i, List<Object> out) {
        if (i == parts.length) {
            out.add(node);
            return;
        }
        if (node instanceof Document d) {
            if (d.containsKey(parts[i])) {
                collect(d.get(parts[i]), parts, i + 1, out);
            }
        } else if (node instanceof List<?> list) {
            if (!parts[i].isEmpty() && parts[i].chars().allMatch(Character::isDigit) && parts[i].length() < 10) {
                int idx = Integer.parseInt(parts[i]);
                if (idx < list.size()) {
                    collect(list.get(idx), parts, i + 1, out);
                }
            }
            for (Object el : list) {
                if (el instanceof Document) {
                    collect(el, parts, i, out);
                }
            }
        }
    }

    private boolean field(List<Object> vals, Object cond) {
        if (cond instanceof Document d && !d.isEmpty() && d.keySet().iterator().next().startsWith("$")) {
            for (Map.Entry<String, Object> op : d.entrySet()) {
                if (!op(vals, op.getKey(), op.getValue(), d)) {
                    return false;
                }
            }
            return true;
        }
        return eq(vals, cond);
    }

    private boolean op(List<Object> vals, String op, Object arg, Document ops) {
        return switch (op) {
            case "$eq" -> eq(vals, arg);
            case "$ne" -> !eq(vals, arg);
            case "$gt", "$gte", "$lt", "$lte" -> compare(vals, op, arg);
            case "$in" -> ((List<?>) arg).stream().anyMatch(a -> eq(vals, a));
            case "$nin" -> ((List<?>) arg).stream().noneMatch(a -> eq(vals, a));
            case "$exists" -> vals.stream().anyMatch(v -> v != MISSING) == truthy(arg);
            case "$not" -> !(arg instanceof Document d ? field(vals, d) : eq(vals, arg));
            case "$regex" -> {
                String pattern = arg instanceof BsonRegularExpression r ? r.getPattern() : String.valueOf(arg);
                String options = (arg instanceof BsonRegularExpression r ? r.getOptions() : "")
                        + (ops.get("$options") instanceof String s ? s : "");
                yield expanded(vals).stream().anyMatch(v -> regex(v, pattern, options));
            }
            case "$options" -> true;
            case "$size" -> vals.stream().anyMatch(v -> v instanceof List<?> l && arg instanceof Number n
                    && n.doubleValue() == l.size());
            case "$all" -> !((List<?>) arg).isEmpty() && ((List<?>) arg).stream()
                    .allMatch(a -> a instanceof Document d && d.containsKey("$elemMatch") ? field(vals, d) : eq(vals, a));
            case "$elemMatch" -> vals.stream().anyMatch(v -> v instanceof List<?> l && l.stream().anyMatch(el -> elemMatch(el, (Document) arg)));
            case "$type" -> arg instanceof List<?> types ? types.stream().anyMatch(t -> type(vals, t)) : type(vals, arg);
            default -> false; // FilterRules refuses everything else before a Matcher is built
        };
    }

    private boolean elemMatch(Object el, Document q) {
        boolean operators = !q.isEmpty() && q.keySet().stream().allMatch(k -> k.startsWith("$") && !k.equals("$and") && !k.equals("$or")
                && !k.equals("$nor"));
        if (operators) {
            List<Object> one = new ArrayList<>();
            one.add(el);
            return field(one, q);
        }
        return el instanceof Document d && query(q, d);
    }

    /** The leaf values with arrays expanded: the array itself, then each element. */
    private static List<Object> expanded(List<Object> vals) {
        List<Object> out = new ArrayList<>(vals.size());
        for (Object v : vals) {
            out.add(v);
            if (v instanceof List<?> l) {
                out.addAll(l);
            }
        }
        return out;
    }

    private boolean eq(List<Object> vals, Object arg) {
        if (arg instanceof BsonRegularExpression r) {
            return expanded(vals).stream().anyMatch(v -> regex(v, r.getPattern(), r.getOptions()));
        }
        if (arg == null) {
            // {f: null} matches a missing field and an explicit null (also null inside an array)
            return expanded(vals).stream().anyMatch(v -> v == MISSING || v == null);
        }
        return expanded(vals).stream().anyMatch(v -> v != MISSING && BsonValues.equal(v, arg));
    }

    private static boolean compare(List<Object> vals, String op, Object arg) {
        if (arg == null) {
            return (op.equals("$gte") || op.equals("$lte")) && expanded(vals).stream().anyMatch(v -> v == MISSING || v == null);
        }
        for (Object v : expanded(vals)) {
            if (v == MISSING || v == null || !BsonValues.comparable(v, arg)) {
                continue;
            }
            int c = BsonValues.compare(v, arg);
            boolean ok = switch (op) {
                case "$gt" -> c > 0;
                case "$gte" -> c >= 0;
                case "$lt" -> c < 0;
                default -> c <= 0;
            };
            if (ok) {
                return true;
            }
        }
        return false;
    }

    private static boolean truthy(Object v) {
        return v instanceof Boolean b ? b : v instanceof Number n ? n.doubleValue() != 0 : v != null;
    }

    private static boolean type(List<Object> vals, Object t) {
        String name = t instanceof Number n ? switch (n.intValue()) {
            case 1 -> "double";
            case 2 -> "string";
            case 3 -> "object";
            case 4 -> "array";
            case 7 -> "objectId";
            case 8 -> "bool";
            case 9 -> "date";
            case 10 -> "null";
            case 11 -> "regex";
            case 16 -> "int";
            case 18 -> "long";
            case 19 -> "decimal";
            default -> "?";
        } : String.valueOf(t);
        if (name.equals("array")) {
            return vals.stream().anyMatch(v -> v instanceof List);
        }
        return expanded(vals).stream().anyMatch(v -> v != MISSING && switch (name) {
            case "double" -> v instanceof Double || v instanceof Float;
            case "string" -> v instanceof String;
            case "object" -> v instanceof Document;
            case "objectId" -> v instanceof ObjectId;
            case "bool" -> v instanceof Boolean;
            case "date" -> v instanceof Date;
            case "null" -> v == null;
            case "regex" -> v instanceof BsonRegularExpression;
            case "int" -> v instanceof Integer;
            case "long" -> v instanceof Long;
            case "decimal" -> v instanceof Decimal128;
            case "number" -> v instanceof Number || v instanceof Decimal128;
            default -> false;
        });
    }
}
