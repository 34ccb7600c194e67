package com.modularlabs.data;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.IntPredicate;
import java.util.regex.Pattern;
import org.bson.BsonRegularExpression;
import org.bson.Document;
import org.bson.types.Decimal128;

/**
 * Applies a PATCH update (the whitelisted operators {@code $set $unset $inc $push $pull $addToSet}, already checked
 * by {@link FilterRules#checkUpdate}) to a copy of a document in memory, following MongoDB's semantics closely
 * enough that the result can be checked against the collection's JSON Schema and size limit before it is written.
 * Dotted paths, numeric array indexes and {@code $[]} are supported; the positional {@code $} and filtered
 * {@code $[id]} (which need the query or arrayFilters) are refused with 400. No I/O; CPU-bound, so callers run it on a
 * worker thread.
 *
 * <p>Evaluation is budgeted, because a small update can ask for a lot of work: {@code {"$set":{"x.$[].99999":1}}} on
 * a document holding 2,900 empty arrays pads every one of them to 100,000 slots (~3×10⁸ references, an
 * OutOfMemoryError) before any size check could run. {@link Budget#cells} caps the values an update may create
 * (padding slots, copied values, new objects), charged before they are allocated, so memory stays within a fixed
 * multiple of the document size limit; {@link Budget#steps} caps comparisons, matches and traversals. Running the
 * update in MongoDB instead was not chosen: the would-be document has to be checked against the collection's JSON
 * Schema and size limit before it is written, and the embedded store has no transactions to roll a bad write back.
 * Regexes of $pull conditions run on RE2/J (linear time).
 */
public final class UpdateEval {
    /**
     * Limits of one evaluation: {@code cells} new values (the document size limit is a good choice: every BSON
     * element takes at least two bytes, so more cells than bytes can never give a storable document) and
     * {@code steps} units of work.
     */
    public record Budget(long cells, long steps) {
        public static Budget forDocumentBytes(int maxDocumentBytes, long steps) {
            return new Budget(maxDocumentBytes, steps);
        }
    }

    /** Default budget of {@link #apply(Document, Document)}: a 64 KiB document, 5 million steps. */
    static final Budget DEFAULT = new Budget(65536, 5_000_000);

    private final Budget budget;
    /** The update path being evaluated, for budget errors from deep inside matching. */
    private String at = "$";
    private long cells;
    private long steps;
    private final Map<String, com.google.re2j.Pattern> patterns = new HashMap<>();

    private UpdateEval(Budget budget) {
        this.budget = budget;
    }

    /** A deep copy of {@code doc} with {@code update} applied, within the default budget. */
    public static Document apply(Document doc, Document update) {
        return apply(doc, update, DEFAULT);
    }

    /** A deep copy of {@code doc} with {@code update} applied; 413 (cells) or 400 (steps) problem when the budget runs out. */
    public static Document apply(Document doc, Document update, Budget budget) {
        return new UpdateEval(budget).run(doc, update);
    }

    private Document run(Document doc, Document update) {
        Document out = (Document) copy(doc); // the stored document: not charged, it was within the limits when written
        for (Map.Entry<String, Object> op : update.entrySet()) {
            for (Map.Entry<String, Object> f : ((Document) op.getValue()).entrySet()) {
                String path = "$." + op.getKey() + "." + f.getKey();
                String[] segs = f.getKey().split("\\.");
                boolean creates = !op.getKey().equals("$unset") && !op.getKey().equals("$pull");
                walk(out, segs, 0, path, creates, slot -> operate(op.getKey(), slot, f.getValue(), path));
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ budget

    /** Charges {@code n} new values before they are allocated. */
    private void cells(long n, String path) {
        cells += n;
        if (n < 0 || cells > budget.cells()) {
            throw Failure.tooLarge("The update would create more than " + budget.cells()
                    + " values; nothing was written", List.of(new FieldError(path, "the update is too large for the document size limit")));
        }
    }

    private void steps(long n, String path) {
        steps += n;
        if (n < 0 || steps > budget.steps()) {
            throw bad(path, "the update needs more than " + budget.steps() + " steps to evaluate");
        }
    }

    // ------------------------------------------------------------------ paths

    interface Slot {
        boolean present();

        Object get();

        void set(Object v);

        void remove();
    }

    private void walk(Object node, String[] segs, int i, String path, boolean creates, Consumer<Slot> op) {
        String seg = segs[i];
        boolean last = i == segs.length - 1;
        if (seg.equals("$") || (seg.startsWith("$[") && !seg.equals("$[]"))) {
            throw bad(path, "the positional operators $ and $[<id>] are not supported by PATCH; use an index or $[]");
        }
        if (seg.equals("$[]")) {
            if (!(node instanceof List<?> l)) {
                if (node == null && !creates) {
                    return;
                }
                throw bad(path, "$[] needs an array");
            }
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) l;
            steps(list.size(), path);
            for (int j = 0; j < list.size(); j++) {
                step(list, j, segs, i, last, path, creates, op);
            }
            return;
        }
        if (node instanceof Document d) {
            if (last) {
                op.accept(new Slot() {
                    public boolean present() {
                        return d.containsKey(seg);
                    }

                    public Object get() {
                        return d.get(seg);
                    }

                    public void set(Object v) {
                        d.put(seg, v);
                    }

                    public void remove() {
                        d.remove(seg);
                    }
                });
                return;
            }
            Object child = d.get(seg);
            if (!d.containsKey(seg)) {
                if (!creates) {
                    return;
                }
                cells(1, path);
                child = new Document();
                d.put(seg, child);
            }
            descend(child, segs, i, path, creates, op);
        } else if (node instanceof List<?> l) {
            int idx;
            try {
                idx = Integer.parseInt(seg);
            } catch (NumberFormatException e) {
                throw bad(path, "cannot use the part '" + seg + "' to traverse an array");
            }
            if (idx < 0) {
                throw bad(path, "negative array index");
            }
            @SuppressWarnings("unchecked")
            List<Object> list = (List<Object>) l;
            step(list, idx, segs, i, last, path, creates, op);
        }
    }

    private void step(List<Object> list, int idx, String[] segs, int i, boolean last, String path, boolean creates,
            Consumer<Slot> op) {
        if (last) {
            op.accept(new Slot() {
                public boolean present() {
                    return idx < list.size();
                }

                public Object get() {
                    return idx < list.size() ? list.get(idx) : null;
                }

                public void set(Object v) {
                    pad(list, idx, path);
                    list.set(idx, v);
                }

                public void remove() { // $unset of an array element leaves null, as in MongoDB
                    if (idx < list.size()) {
                        list.set(idx, null);
                    }
                }
            });
            return;
        }
        if (idx >= list.size()) {
            if (!creates) {
                return;
            }
            pad(list, idx, path);
        }
        Object child = list.get(idx);
        if (child == null && creates) {
            cells(1, path);
            child = new Document();
            list.set(idx, child);
        }
        descend(child, segs, i, path, creates, op);
    }

    /** Pads {@code list} with nulls up to {@code idx}, charging the new slots before allocating them. */
    private void pad(List<Object> list, int idx, String path) {
        if (idx >= list.size()) {
            cells((long) idx + 1 - list.size(), path);
            while (list.size() <= idx) {
                list.add(null);
            }
        }
    }

    private void descend(Object child, String[] segs, int i, String path, boolean creates, Consumer<Slot> op) {
        if (child instanceof Document || child instanceof List) {
            walk(child, segs, i + 1, path, creates, op);
        } else if (creates) {
            throw bad(path, "cannot create field '" + segs[i + 1] + "' in a " + (child == null ? "null" : "non-object") + " value");
        }
    }

    // ------------------------------------------------------------------ operators

    private void operate(String op, Slot s, Object v, String path) {
        at = path;
        switch (op) {
            case "$set" -> s.set(charged(v, path));
            case "$unset" -> {
                if (s.present()) {
                    s.remove();
                }
            }
            case "$inc" -> {
                if (!s.present()) {
                    s.set(v);
                } else if (s.get() instanceof Number n) {
                    s.set(add(n, (Number) v));
                } else {
                    throw bad(path, "cannot apply $inc to a non-numeric value");
                }
            }
            case "$push", "$addToSet" -> {
                List<Object> list = array(s, path, op);
                List<Object> items = new ArrayList<>();
                Document mods = v instanceof Document d && d.containsKey("$each") ? d : null;
                if (mods != null) {
                    if (!(mods.get("$each") instanceof List<?> each)) {
                        throw bad(path + ".$each", "$each needs an array");
                    }
                    each.forEach(x -> items.add(charged(x, path)));
                } else {
                    items.add(charged(v, path));
                }
                if (op.equals("$addToSet")) {
                    for (Object x : items) {
                        steps(list.size(), path);
                        if (list.stream().noneMatch(y -> eq(x, y))) {
                            list.add(x);
                        }
                    }
                } else {
                    int pos = list.size();
                    if (mods != null && mods.get("$position") instanceof Number p) {
                        pos = p.intValue() < 0 ? Math.max(0, list.size() + p.intValue()) : Math.min(p.intValue(), list.size());
                    }
                    list.addAll(pos, items);
                    if (mods != null && mods.containsKey("$sort")) {
                        steps((long) list.size() * (64 - Long.numberOfLeadingZeros(list.size() + 1L)), path);
                        list.sort(sorter(mods.get("$sort"), path));
                    }
                    if (mods != null && mods.get("$slice") instanceof Number n) {
                        int k = n.intValue();
                        List<Object> kept = k >= 0 ? new ArrayList<>(list.subList(0, Math.min(k, list.size())))
                                : new ArrayList<>(list.subList(Math.max(0, list.size() + k), list.size()));
                        list.clear();
                        list.addAll(kept);
                    }
                }
                s.set(list);
            }
            case "$pull" -> {
                if (!s.present() || s.get() == null) {
                    return;
                }
                if (!(s.get() instanceof List<?> l)) {
                    throw bad(path, "cannot apply $pull to a non-array value");
                }
                List<Object> kept = new ArrayList<>();
                for (Object x : l) {
                    steps(1, path);
                    if (!pullMatches(x, v)) {
                        kept.add(x);
                    }
                }
                s.set(kept);
            }
            default -> throw bad(path, "update operator " + op + " is not allowed");
        }
    }

    private List<Object> array(Slot s, String path, String op) {
        if (!s.present()) {
            return new ArrayList<>();
        }
        if (s.get() instanceof List<?> l) {
            steps(l.size(), path);
            return new ArrayList<>(l);
        }
        throw bad(path, "cannot apply " + op + " to a non-array value");
    }

    private static Number add(Number a, Number b) {
        if (a instanceof Decimal128 || b instanceof Decimal128) {
            return new Decimal128(dec(a).add(dec(b)));
        }
        if (a instanceof Double || b instanceof Double || a instanceof Float || b instanceof Float) {
            return a.doubleValue() + b.doubleValue();
        }
        long r = a.longValue() + b.longValue();
        if (a instanceof Integer && b instanceof Integer && r == (int) r) {
            return (int) r;
        }
        if (b instanceof Integer && a instanceof Integer) {
            return r;
        }
        if (((a.longValue() ^ r) & (b.longValue() ^ r)) < 0) {
            return a.doubleValue() + b.doubleValue(); // long overflow: MongoDB refuses; a double keeps the check honest
        }
        return r;
    }

    private static BigDecimal dec(Number n) {
        return n instanceof Decimal128 d ? d.bigDecimalValue() : new BigDecimal(n.toString());
    }

    private Comparator<Object> sorter(Object spec, String path) {
        if (spec instanceof Number n) {
            return n.intValue() < 0 ? (a, b) -> BsonValues.compare(b, a) : BsonValues::compare;
        }
        if (spec instanceof Document d && !d.isEmpty()) {
            Comparator<Object> c = (a, b) -> 0;
            for (Map.Entry<String, Object> e : d.entrySet()) {
                String f = e.getKey();
                int dir = e.getValue() instanceof Number n && n.intValue() < 0 ? -1 : 1;
                c = c.thenComparing((a, b) -> dir * BsonValues.compare(field(a, f), field(b, f)));
            }
            return c;
        }
        throw bad(path + ".$sort", "$sort needs 1, -1 or an object of fields");
    }

    private static Object field(Object doc, String dotted) {
        Object cur = doc;
        for (String p : dotted.split("\\.")) {
            cur = cur instanceof Document d ? d.get(p) : null;
        }
        return cur;
    }

    // ------------------------------------------------------------------ matching ($pull conditions)

    private boolean pullMatches(Object element, Object cond) {
        if (cond instanceof Document d && !d.isEmpty()) {
            boolean ops = d.keySet().stream().allMatch(k -> k.startsWith("$"));
            if (ops) {
                return valueMatches(element, d);
            }
            return element instanceof Document e && docMatches(e, d);
        }
        return eq(element, cond);
    }

    private boolean docMatches(Document doc, Document query) {
        for (Map.Entry<String, Object> q : query.entrySet()) {
            String k = q.getKey();
            Object v = q.getValue();
            switch (k) {
                case "$and" -> {
                    for (Object sub : (List<?>) v) {
                        if (!docMatches(doc, (Document) sub)) {
                            return false;
                        }
                    }
                }
                case "$or" -> {
                    if (((List<?>) v).stream().noneMatch(sub -> docMatches(doc, (Document) sub))) {
                        return false;
                    }
                }
                case "$nor" -> {
                    if (((List<?>) v).stream().anyMatch(sub -> docMatches(doc, (Document) sub))) {
                        return false;
                    }
                }
                default -> {
                    Object fv = field(doc, k);
                    boolean exists = doc.containsKey(k) || (k.contains(".") && fv != null);
                    if (v instanceof Document d && !d.isEmpty() && d.keySet().stream().allMatch(x -> x.startsWith("$"))) {
                        if (!fieldMatches(fv, exists, d)) {
                            return false;
                        }
                    } else if (!eqOrContains(fv, v)) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    private boolean valueMatches(Object value, Document ops) {
        return fieldMatches(value, true, ops);
    }

    private boolean fieldMatches(Object value, boolean exists, Document ops) {
        for (Map.Entry<String, Object> o : ops.entrySet()) {
            Object a = o.getValue();
            boolean ok = switch (o.getKey()) {
                case "$eq" -> eqOrContains(value, a);
                case "$ne" -> !eqOrContains(value, a);
                case "$gt" -> anyCmp(value, a, c -> c > 0);
                case "$gte" -> anyCmp(value, a, c -> c >= 0);
                case "$lt" -> anyCmp(value, a, c -> c < 0);
                case "$lte" -> anyCmp(value, a, c -> c <= 0);
                case "$in" -> ((List<?>) a).stream().anyMatch(x -> x instanceof BsonRegularExpression || x instanceof Pattern
                        ? regex(value, x, null) : eqOrContains(value, x));
                case "$nin" -> ((List<?>) a).stream().noneMatch(x -> eqOrContains(value, x));
                case "$exists" -> exists == truthy(a);
                case "$not" -> !(a instanceof Document d ? fieldMatches(value, exists, d) : regex(value, a, null));
                case "$regex" -> regex(value, a, ops.getString("$options"));
                case "$options" -> true;
                case "$size" -> value instanceof List<?> l && a instanceof Number n && l.size() == n.intValue();
                case "$all" -> value instanceof List<?> l && ((List<?>) a).stream().allMatch(x -> l.stream().anyMatch(y -> eq(x, y)));
                case "$elemMatch" -> value instanceof List<?> l && l.stream().anyMatch(x -> {
                    Document d = (Document) a;
                    return d.keySet().stream().allMatch(k -> k.startsWith("$")) ? valueMatches(x, d)
                            : x instanceof Document xd && docMatches(xd, d);
                });
                default -> throw bad("$", "operator " + o.getKey() + " is not supported in a PATCH $pull condition");
            };
            if (!ok) {
                return false;
            }
        }
        return true;
    }

    private static boolean truthy(Object a) {
        return a instanceof Boolean b ? b : a instanceof Number n ? n.doubleValue() != 0 : a != null;
    }

    private boolean regex(Object value, Object re, String options) {
        if (value instanceof List<?> l) {
            return l.stream().anyMatch(x -> regex(x, re, options));
        }
        if (!(value instanceof String s)) {
            return false;
        }
        String pattern;
        String opts = options == null ? "" : options;
        if (re instanceof BsonRegularExpression b) {
            pattern = b.getPattern();
            opts += b.getOptions();
        } else if (re instanceof Pattern p) {
            pattern = p.pattern();
        } else {
            pattern = String.valueOf(re);
        }
        steps(s.length() + 1L, at); // RE2/J: linear in the subject
        String key = opts + "/" + pattern;
        com.google.re2j.Pattern compiled = patterns.get(key);
        if (compiled == null) {
            try {
                compiled = RegexGuard.compile(pattern, opts);
            } catch (com.google.re2j.PatternSyntaxException e) {
                throw bad(at, "invalid regex (RE2 syntax): " + e.getDescription());
            }
            patterns.put(key, compiled);
        }
        return compiled.matcher(s).find();
    }

    private boolean eqOrContains(Object value, Object a) {
        if (eq(value, a)) {
            return true;
        }
        return value instanceof List<?> l && l.stream().anyMatch(x -> eq(x, a));
    }

    private boolean anyCmp(Object value, Object a, IntPredicate p) {
        if (value instanceof List<?> l) {
            return l.stream().anyMatch(x -> anyCmp(x, a, p));
        }
        return BsonValues.comparable(value, a) && p.test(BsonValues.compare(value, a));
    }

    // ------------------------------------------------------------------ values

    /** {@link BsonValues#equal}, charging one step per compared node. */
    private boolean eq(Object a, Object b) {
        return BsonValues.equal(a, b, () -> steps(1, at));
    }

    /** A copy of a value from the update, charging one cell per node before copying. */
    private Object charged(Object v, String path) {
        cells(nodes(v, budget.cells() - cells + 1), path);
        return copy(v);
    }

    /** Nodes of {@code v}, counting no further than {@code limit}. */
    private static long nodes(Object v, long limit) {
        long n = 1;
        if (v instanceof Document d) {
            for (Object x : d.values()) {
                if (n > limit) {
                    break;
                }
                n += nodes(x, limit - n);
            }
        } else if (v instanceof List<?> l) {
            for (Object x : l) {
                if (n > limit) {
                    break;
                }
                n += nodes(x, limit - n);
            }
        }
        return n;
    }

    static Object copy(Object v) {
        if (v instanceof Document d) {
            Document out = new Document();
            d.forEach((k, x) -> out.put(k, copy(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(x -> out.add(copy(x)));
            return out;
        }
        return v;
    }

    private static Failure bad(String path, String message) {
        return Failure.invalid("Invalid update", List.of(new FieldError(path, message)));
    }
}
