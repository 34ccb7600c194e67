package com.modularlabs.data;

import com.modularlabs.common.FieldError;
import com.modularlabs.common.ProblemException;
import java.lang.management.ManagementFactory;
import java.util.ArrayList;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.bson.BsonRegularExpression;
import org.bson.Document;

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

    @Provide
    Arbitrary<String> regexes() {
        return Arbitraries.of(REGEX_TOKENS).list().ofMinSize(1).ofMaxSize(14).map(l -> String.join("", l));
    }

    @Property(tries = 1000)
    void regexVettingNeverThrows(@ForAll("regexes") String pattern, @ForAll("options") String options) {
        GUARD.checkForStore(pattern, options);
        GUARD.checkForEngine(pattern, options);
    }

    @Provide
    Arbitrary<String> options() {
        return Arbitraries.of("", "i", "m", "s", "x", "im", "q");
    }

    /**
     * Every pattern the guard lets through to the store does work linear in the subject on java.util.regex (the
     * embedded store's engine): quadrupling the subject at most about quadruples the characters read, and nothing
     * recurses per character (StackOverflowError).
     */
    @Property(tries = 400)
    void patternsAcceptedForTheStoreAreLinearOnABacktrackingEngine(@ForAll("regexes") String pattern) {
        if (GUARD.checkForStore(pattern, "") != null) {
            return;
        }
        java.util.regex.Pattern p;
        try {
            p = java.util.regex.Pattern.compile(pattern);
        } catch (java.util.regex.PatternSyntaxException e) {
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
    static long reads(java.util.regex.Pattern p, String subject) {
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

    @Provide
    Arbitrary<Object> values() {
        Arbitrary<Object> leaf = Arbitraries.oneOf(Arbitraries.integers().map(i -> (Object) i), Arbitraries.strings().ofMaxLength(8).map(s -> (Object) s),
                regexes().map(s -> (Object) s), Arbitraries.of(true, false).map(b -> (Object) b), Arbitraries.just(null),
                regexes().map(s -> (Object) new BsonRegularExpression(s, "i")), Arbitraries.longs().map(l -> (Object) l),
                Arbitraries.doubles().map(d -> (Object) d));
        return Arbitraries.recursive(() -> leaf, this::container, 4);
    }

    private Arbitrary<Object> container(Arbitrary<Object> inner) {
        Arbitrary<Object> doc = Combinators.combine(Arbitraries.of(FILTER_KEYS).list().ofMaxSize(3), inner.list().ofSize(3)).as((ks, vs) -> {
            Document d = new Document();
            for (int i = 0; i < ks.size(); i++) {
                d.put(ks.get(i), vs.get(i));
            }
            return (Object) d;
        });
        return Arbitraries.oneOf(doc, inner.list().ofMaxSize(3).map(l -> (Object) new ArrayList<>(l)));
    }

    @Provide
    Arbitrary<Document> filters() {
        return values().filter(v -> v instanceof Document).map(v -> (Document) v);
    }

    @Property(tries = 1000)
    void filterValidationNeverThrows(@ForAll("filters") Document filter) {
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

    @Provide
    Arbitrary<Document> updates() {
        Arbitrary<Object> value = Arbitraries.oneOf(values(), Arbitraries.integers().between(-3, 3).map(i -> (Object) i),
                values().list().ofMaxSize(4).map(l -> (Object) new Document("$each", new ArrayList<>(l)).append("$slice", 2)),
                regexes().map(r -> (Object) new Document("$regex", r)));
        Arbitrary<Document> fields = Combinators.combine(Arbitraries.of(PATHS).list().ofMinSize(1).ofMaxSize(3), value.list().ofSize(3))
                .as((ps, vs) -> {
                    Document d = new Document();
                    for (int i = 0; i < ps.size(); i++) {
                        d.put(ps.get(i), vs.get(i));
                    }
                    return d;
                });
        return Combinators.combine(Arbitraries.of(UPDATE_OPS).list().ofMinSize(1).ofMaxSize(3), fields.list().ofSize(3)).as((os, fs) -> {
            Document u = new Document();
            for (int i = 0; i < os.size(); i++) {
                u.put(os.get(i), fs.get(i));
            }
            return u;
        });
    }

    @Provide
    Arbitrary<Document> documents() {
        Arbitrary<List<Object>> arrays = Arbitraries.integers().between(0, 3000).map(n -> {
            List<Object> x = new ArrayList<>();
            for (int i = 0; i < n; i++) {
                x.add(new ArrayList<>());
            }
            return x;
        });
        return Combinators.combine(arrays, values(), Arbitraries.strings().withChars('a').ofMaxLength(60))
                .as((x, a, tag) -> new Document("x", x).append("a", a).append("tags", new ArrayList<>(List.of(tag + "!"))).append("n", 1));
    }

    /**
     * Whatever the update, evaluation (after the same validation as the resource) gives a document or a 400/413
     * problem, never another exception; and the thread never allocates much more than the cells budget allows.
     */
    @Property(tries = 400)
    void updatesApplyOrFailWithAProblemWithinTheirBudget(@ForAll("documents") Document doc, @ForAll("updates") Document update) {
        if (!RULES.checkUpdate(update).isEmpty()) {
            return;
        }
        UpdateEval.Budget budget = new UpdateEval.Budget(65536, 2_000_000);
        long before = allocated();
        try {
            UpdateEval.apply(doc, update, budget);
        } catch (ProblemException e) {
            if (e.status() != 400 && e.status() != 413) {
                throw new AssertionError("status " + e.status() + " for " + update.toJson());
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
