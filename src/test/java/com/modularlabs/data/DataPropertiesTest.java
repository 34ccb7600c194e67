package com.modularlabs.data;

import com.modularlabs.access.AccessLevel;
import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.Gen;
import com.modularlabs.common.ProblemMappers;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;
import org.bson.BsonRegularExpression;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * Random and hostile filters, updates and regexes: the validators and the update evaluator answer with a list of
 * errors or a 4xx problem, never another exception; accepted regexes stay linear on a backtracking engine; an
 * update never allocates beyond its budget.
 */
class DataPropertiesTest {
    static final RegexGuard GUARD = new RegexGuard(1000, true);
    static final FilterRules RULES = new FilterRules(10, GUARD);
    static final String[] REGEX_TOKENS = {"a", "b", "x", ".", "[ab]", "\\w", "\\d", "*", "+", "?", "*?", "{2}", "{1,3}", "{2,}",
            "{0,200}", "(", ")", "(?:", "|", "^", "$", "\\A", "\\b", "(?i)", "(?m)", "\\", "[", "]", "{", "}", "\\1", "(?=", "-"};

    // ------------------------------------------------------------------ regexes

    /** 1 to 14 tokens, short patterns more often (most long random ones are not valid regex syntax). */
    static String regex(Gen g) {
        return String.join("", g.list(1, g.between(1, 14), () -> g.of(REGEX_TOKENS)));
    }

    record Regex(String pattern, String options) {}

    @Test
    void regexVettingNeverThrows() {
        Gen.forAll(1000, g -> new Regex(regex(g), g.of("", "i", "m", "s", "x", "im", "q")), r -> {
            GUARD.checkForStore(r.pattern(), r.options());
            GUARD.checkForEngine(r.pattern(), r.options());
        });
    }

    /**
     * Every pattern the guard lets through to the store does work linear in the subject on java.util.regex (the
     * embedded store's engine): quadrupling the subject at most about quadruples the characters read, and nothing
     * recurses per character (StackOverflowError).
     */
    @Test
    void patternsAcceptedForTheStoreAreLinearOnABacktrackingEngine() {
        Gen.forAll(2000, DataPropertiesTest::regex, DataPropertiesTest::linearIfAccepted);
    }

    private static void linearIfAccepted(String pattern) {
        if (GUARD.checkForStore(pattern, "") != null) {
            return;
        }
        Pattern p;
        try {
            p = Pattern.compile(pattern);
        } catch (PatternSyntaxException e) {
            return; // RE2 accepts a few things Java spells differently; the store would refuse those itself
        }
        for (String unit : new String[] {"a", "ab", "a\n", "aab1 "}) {
            long small = reads(p, unit.repeat(400 / unit.length()) + "!");
            long large = reads(p, unit.repeat(6400 / unit.length()) + "!");
            if (large > 20 * small + 20_000) {
                throw new AssertionError("'" + pattern + "' on '" + unit + "'*: " + small + " reads for 400 chars, " + large + " for 6400");
            }
        }
    }

    /** Characters java.util.regex reads in one find(); fails beyond a hard cap (exponential patterns). */
    static long reads(Pattern p, String subject) {
        long[] n = {0};
        CharSequence counting = new CharSequence() {
            public int length() {
                return subject.length();
            }

            public char charAt(int i) {
                if (++n[0] > 50_000_000L) {
                    throw new AssertionError("more than 50M reads: " + p.pattern());
                }
                return subject.charAt(i);
            }

            public CharSequence subSequence(int a, int b) {
                return subject.subSequence(a, b);
            }

            public String toString() {
                return subject;
            }
        };
        try {
            p.matcher(counting).find();
        } catch (StackOverflowError e) {
            throw new AssertionError("'" + p.pattern() + "' recursed per character");
        }
        return n[0];
    }

    // ------------------------------------------------------------------ filters

    static final String[] FILTER_KEYS = {"a", "b.c", "tags", "created_by", "$and", "$or", "$nor", "$where", "$expr", "$regex",
            "$options", "$in", "$nin", "$all", "$elemMatch", "$not", "$exists", "$size", "$type", "$gt", "$eq", "", "a..b", "$", "x\u0000"};

    /** A leaf one time in four below the top, otherwise a document or a list, down to depth levels. */
    static Object value(Gen g, int depth) {
        if (depth == 0 || g.oneIn(4)) {
            return g.oneOf(() -> g.anyInt(), () -> g.string(8), () -> regex(g), () -> g.oneIn(2), () -> null,
                    () -> new BsonRegularExpression(regex(g), "i"), () -> g.anyLong(), () -> g.anyDouble());
        }
        return container(g, depth);
    }

    private static Object container(Gen g, int depth) {
        return g.oneIn(2) ? document(g, depth) : new ArrayList<>(g.list(0, 3, () -> value(g, depth - 1)));
    }

    /** Up to 3 fields, hostile operator and path names included. */
    static Document document(Gen g, int depth) {
        Document d = new Document();
        for (String key : g.list(0, 3, () -> g.of(FILTER_KEYS))) {
            d.put(key, value(g, depth - 1));
        }
        return d;
    }

    record Filter(Document filter) {
        @Override
        public String toString() {
            return "filter " + json(filter);
        }
    }

    static String json(Document d) {
        try {
            return d.toJson();
        } catch (RuntimeException e) {
            return d.toString();
        }
    }

    @Test
    void filterValidationNeverThrows() {
        Gen.forAll(1000, g -> new Filter(document(g, 4)), f -> checkFilter(f.filter()));
    }

    private static void checkFilter(Document filter) {
        List<FieldError> errors = RULES.checkFilter(filter, AccessLevel.AUTHOR_FIELDS);
        for (FieldError e : errors) {
            if (!e.path().startsWith("$")) {
                throw new AssertionError("error path not rooted: " + e);
            }
        }
        if (filter.containsKey("created_by") && errors.isEmpty()) {
            throw new AssertionError("the author field passed a non-admin filter: " + filter.toJson());
        }
    }

    // ------------------------------------------------------------------ updates

    static final String[] UPDATE_OPS = {"$set", "$unset", "$inc", "$push", "$pull", "$addToSet", "$rename"};
    static final String[] PATHS = {"a", "a.b", "x.$[]", "x.$[].0", "x.$[].99999", "x.3", "x.1000000", "x.$[].y", "tags", "n", "x.$", "x.$[i]",
            "x.0.0.0.0", "created_by", "a.2147483647", "x.$[].$[]"};

    static Document update(Gen g) {
        Supplier<Object> value = () -> g.oneOf(() -> value(g, 4), () -> g.between(-3, 3),
                () -> new Document("$each", new ArrayList<>(g.list(0, 4, () -> value(g, 4)))).append("$slice", 2),
                () -> new Document("$regex", regex(g)));
        Document u = new Document();
        for (String op : g.list(1, 3, () -> g.of(UPDATE_OPS))) {
            Document fields = new Document();
            for (String path : g.list(1, 3, () -> g.of(PATHS))) {
                fields.put(path, value.get());
            }
            u.put(op, fields);
        }
        return u;
    }

    /** A stored document with up to 3000 empty arrays under x (fan-out for $[] paths) and a random a. */
    static Document storedDocument(Gen g) {
        List<Object> x = new ArrayList<>();
        for (int i = g.between(0, 3000); i > 0; i--) {
            x.add(new ArrayList<>());
        }
        return new Document("x", x).append("a", value(g, 4)).append("tags", new ArrayList<>(List.of(g.string(0, 60, "a") + "!"))).append("n", 1);
    }

    record UpdateCase(Document doc, Document update) {
        @Override
        public String toString() {
            return "update " + json(update) + " on document " + json(doc);
        }
    }

    /**
     * Whatever the update, evaluation (after the same validation as the resource) gives a document or a 400/413
     * problem, never another exception; and the thread never allocates much more than the cells budget allows.
     */
    @Test
    void updatesApplyOrFailWithAProblemWithinTheirBudget() {
        Gen.forAll(400, g -> new UpdateCase(storedDocument(g), update(g)), c -> applyWithinBudget(c.doc(), c.update()));
    }

    private static void applyWithinBudget(Document doc, Document update) {
        if (!RULES.checkUpdate(update).isEmpty()) {
            return;
        }
        UpdateEval.Budget budget = new UpdateEval.Budget(65536, 2_000_000);
        long before = allocated();
        try {
            UpdateEval.apply(doc, update, budget);
        } catch (Failure e) {
            if (ProblemMappers.status(e) != 400 && ProblemMappers.status(e) != 413) {
                throw new AssertionError("status " + ProblemMappers.status(e) + " for " + update.toJson());
            }
        }
        long used = allocated() - before;
        // the copy of the stored document plus ~100 bytes per budgeted cell, with generous slack for the JIT and caches
        if (used > 64L * 1024 * 1024) {
            throw new AssertionError(used + " bytes allocated evaluating " + update.toJson());
        }
    }

    static long allocated() {
        return ((com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean()).getCurrentThreadAllocatedBytes();
    }
}
