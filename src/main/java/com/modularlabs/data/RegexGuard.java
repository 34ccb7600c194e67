package com.modularlabs.data;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import java.util.ArrayList;
import java.util.List;

/**
 * Every regex of the data API passes here. The engine evaluates regexes itself only with RE2/J (linear time, no
 * backtracking): {@link #compile}. A regex that goes to the store ({@code filter}, named-query pipelines) must in
 * addition be safe for a backtracking engine, because the embedded store matches with java.util.regex and ignores
 * maxTimeMS (and a real MongoDB checks maxTimeMS only between documents, not inside one match).
 *
 * <p>Why a structural check and not "evaluate in the engine": the store has to apply the regex to pick, sort, count
 * and page documents; re-implementing that in the engine would mean fetching whole collections. Instead a pattern
 * is accepted for the store only when its worst case on a backtracking engine is linear in the subject times a
 * small constant (measured on java.util.regex with a 64 KiB subject: {@code a+x} 13 s, {@code ^a+x} 12 ms,
 * {@code a{1,100}x} 0.7 s, {@code ^(a|b)+x} StackOverflowError):
 * <ol>
 * <li>it compiles under RE2/J (so no backreferences, lookaround or possessive quantifiers);</li>
 * <li>an unbounded quantifier ({@code * + {n,}}, or a range wider than {@value #WIDE}) applies only to a single
 * character, class or dot; at most one such quantifier per pattern, and only when the pattern is anchored at the
 * start ({@code ^} without the m option, or {@code \A}): otherwise every start position rescans the subject;</li>
 * <li>a repeated group ({@code (..){2,5}}) holds no variable-length part (no quantifier, no alternation other than
 * plain literals with distinct first characters): {@code (a+)+}, {@code (.*a){12}}, {@code (a|a)*} are refused;</li>
 * <li>the product of the widths of all bounded quantifiers is at most {@value #MAX_PRODUCT}.</li>
 * </ol>
 * {@code strict=false} (a real MongoDB whose operator accepts the risk) keeps only rule 1.
 */
public final class RegexGuard {
    static final int WIDE = 10;
    static final long MAX_PRODUCT = 100;
    private static final int INF = Integer.MAX_VALUE;

    private final int maxLength;
    private final boolean strict;

    public RegexGuard(int maxLength, boolean strict) {
        this.maxLength = maxLength;
        this.strict = strict;
    }

    /** Why {@code pattern} may not be evaluated by the engine (syntax, length, options), or null. */
    public String checkForEngine(String pattern, String options) {
        if (pattern.length() > maxLength) {
            return "regex longer than " + maxLength + " characters";
        }
        String o = options == null ? "" : options;
        if (!validOptions(o)) {
            return "$options may only hold the flags i, m, x, s, u";
        }
        try {
            compile(pattern, o);
            return null;
        } catch (PatternSyntaxException e) {
            return "invalid regex (RE2 syntax: no backreferences or lookaround): " + e.getDescription();
        }
    }

    /** As {@link #checkForEngine}, plus the backtracking-safety rules when strict: for regexes that go to the store. */
    public String checkForStore(String pattern, String options) {
        String err = checkForEngine(pattern, options);
        if (err != null || !strict) {
            return err;
        }
        String o = options == null ? "" : options;
        String p = o.contains("x") ? stripExtended(pattern) : pattern;
        try {
            new Shape(p, o.contains("m")).check();
            return null;
        } catch (Refused r) {
            return r.getMessage();
        } catch (RuntimeException e) { // fail closed: a pattern this walk cannot follow does not reach the store
            return "regex too complex to vet for the database";
        }
    }

    static boolean validOptions(String o) {
        for (int i = 0; i < o.length(); i++) {
            if ("imxsu".indexOf(o.charAt(i)) < 0) {
                return false;
            }
        }
        return true;
    }

    /** Compiles with RE2/J; MongoDB options i, m, s, x map to RE2 flags (x: whitespace and #-comments dropped). */
    public static Pattern compile(String pattern, String options) {
        String o = options == null ? "" : options;
        int flags = 0;
        if (o.contains("i")) {
            flags |= Pattern.CASE_INSENSITIVE;
        }
        if (o.contains("m")) {
            flags |= Pattern.MULTILINE;
        }
        if (o.contains("s")) {
            flags |= Pattern.DOTALL;
        }
        return Pattern.compile(o.contains("x") ? stripExtended(pattern) : pattern, flags);
    }

    /** PCRE extended mode: unescaped whitespace and #-comments outside character classes are not part of the pattern. */
    static String stripExtended(String p) {
        StringBuilder sb = new StringBuilder(p.length());
        boolean inClass = false;
        for (int i = 0; i < p.length(); i++) {
            char c = p.charAt(i);
            if (c == '\\' && i + 1 < p.length()) {
                sb.append(c).append(p.charAt(++i));
            } else if (inClass) {
                if (c == ']') {
                    inClass = false;
                }
                sb.append(c);
            } else if (c == '[') {
                inClass = true;
                sb.append(c);
                if (i + 1 < p.length() && p.charAt(i + 1) == '^') {
                    sb.append(p.charAt(++i));
                }
                if (i + 1 < p.length() && p.charAt(i + 1) == ']') {
                    sb.append(p.charAt(++i));
                }
            } else if (c == '#') {
                while (i + 1 < p.length() && p.charAt(i + 1) != '\n') {
                    i++;
                }
            } else if (!Character.isWhitespace(c)) {
                sb.append(c);
            }
        }
        return sb.toString();
    }

    private static final class Refused extends RuntimeException {
        Refused(String message) {
            super(message, null, false, false);
        }
    }

    /** What a parsed part of a pattern can do, for the backtracking rules. */
    private record Info(boolean variable, boolean single, String literal, boolean anchorStart) {
    }

    /** A recursive-descent walk over RE2 syntax (the pattern already compiled under RE2/J, so it is well formed). */
    private static final class Shape {
        private final String p;
        private boolean multiline;
        private int pos;
        private int wide;
        private long product = 1;

        Shape(String p, boolean multiline) {
            this.p = p;
            this.multiline = multiline;
        }

        void check() {
            boolean anchored = alternation(true).anchorStart();
            if (wide > 0 && !anchored) {
                throw new Refused("a regex with an unbounded quantifier (*, +, {n,}) must be anchored at the start (^ without the m option, or \\A)");
            }
        }

        /** Branches up to ')' or the end; at top level, whether every branch starts with an anchor. */
        private Info alternation(boolean top) {
            List<Info> branches = new ArrayList<>();
            branches.add(sequence());
            while (pos < p.length() && p.charAt(pos) == '|') {
                pos++;
                branches.add(sequence());
            }
            boolean anchored = branches.stream().allMatch(Info::anchorStart);
            if (branches.size() == 1) {
                return branches.get(0);
            }
            // only plain literals of one length with distinct first characters are deterministic enough to repeat
            boolean literals = branches.stream().allMatch(b -> b.literal() != null && !b.literal().isEmpty());
            boolean deterministic = literals
                    && branches.stream().map(b -> Character.toLowerCase(b.literal().charAt(0))).distinct().count() == branches.size()
                    && branches.stream().map(b -> b.literal().length()).distinct().count() == 1;
            return new Info(!deterministic, false, null, anchored);
        }

        private Info sequence() {
            boolean first = true;
            boolean anchorStart = false;
            boolean variable = false;
            StringBuilder literal = new StringBuilder();
            boolean allLiteral = true;
            while (pos < p.length() && p.charAt(pos) != '|' && p.charAt(pos) != ')') {
                int start = pos;
                Info atom = atom();
                int[] q = quantifier();
                if (atom == null) { // an inline flag group such as (?i): matches nothing
                    continue;
                }
                if (first && atom.anchorStart()) {
                    anchorStart = true;
                }
                first = false;
                if (q == null) {
                    variable |= atom.variable();
                    if (atom.literal() != null && allLiteral) {
                        literal.append(atom.literal());
                    } else {
                        allLiteral = false;
                    }
                    continue;
                }
                allLiteral = false;
                int min = q[0];
                int max = q[1];
                boolean isWide = max == INF || max - min > WIDE;
                String what = p.substring(start, pos);
                if (isWide) {
                    if (!atom.single()) {
                        throw new Refused("'" + what + "': an unbounded quantifier may only follow a single character, class or '.'");
                    }
                    if (++wide > 1) {
                        throw new Refused("at most one unbounded quantifier (*, +, {n,}) per regex");
                    }
                } else {
                    if (max > 1 && atom.variable()) {
                        throw new Refused("'" + what + "': a repeated group may not contain quantifiers or alternatives");
                    }
                    product *= (max - min + 1L);
                    if (product > MAX_PRODUCT) {
                        throw new Refused("too many optional or ranged parts (their combinations exceed " + MAX_PRODUCT + ")");
                    }
                }
                variable |= atom.variable() || min != max;
            }
            return new Info(variable, false, allLiteral ? literal.toString() : null, anchorStart);
        }

        /** One atom; null for a pure flag group. Advances pos. */
        private Info atom() {
            char c = p.charAt(pos);
            switch (c) {
                case '(' -> {
                    pos++;
                    if (p.startsWith("?", pos)) {
                        int end = pos + 1;
                        if (p.startsWith("P<", end) || p.startsWith("<", end)) { // named group
                            pos = p.indexOf('>', end) + 1;
                        } else {
                            while (end < p.length() && p.charAt(end) != ')' && p.charAt(end) != ':') {
                                end++;
                            }
                            String flags = p.substring(pos + 1, end);
                            int minus = flags.indexOf('-');
                            if ((minus < 0 ? flags : flags.substring(0, minus)).contains("m")) {
                                multiline = true;
                            }
                            pos = end + 1;
                            if (p.charAt(end) == ')') {
                                return null;
                            }
                        }
                    }
                    Info inner = alternation(false);
                    pos++; // ')'
                    return inner;
                }
                case '[' -> {
                    pos = classEnd(pos);
                    return new Info(false, true, null, false);
                }
                case '.' -> {
                    pos++;
                    return new Info(false, true, null, false);
                }
                case '^' -> {
                    pos++;
                    return new Info(false, false, "", !multiline);
                }
                case '$' -> {
                    pos++;
                    return new Info(false, false, "", false);
                }
                case '\\' -> {
                    char n = pos + 1 < p.length() ? p.charAt(pos + 1) : '\\';
                    if (n == 'Q') {
                        int end = p.indexOf("\\E", pos + 2);
                        String lit = end < 0 ? p.substring(pos + 2) : p.substring(pos + 2, end);
                        pos = end < 0 ? p.length() : end + 2;
                        return new Info(false, lit.length() == 1, lit, false);
                    }
                    if (n == 'A') {
                        pos += 2;
                        return new Info(false, false, "", true);
                    }
                    if (n == 'p' || n == 'P' || n == 'x') {
                        pos += 2;
                        if (pos < p.length() && p.charAt(pos) == '{') {
                            pos = p.indexOf('}', pos) + 1;
                        } else if (n == 'x') {
                            pos = Math.min(p.length(), pos + 2);
                        } else {
                            pos++;
                        }
                        return new Info(false, true, null, false);
                    }
                    if (n >= '0' && n <= '7') { // octal escape
                        pos += 2;
                        while (pos < p.length() && pos - 1 < p.length() && p.charAt(pos) >= '0' && p.charAt(pos) <= '7') {
                            pos++;
                        }
                        return new Info(false, true, null, false);
                    }
                    pos += 2;
                    boolean zeroWidth = n == 'b' || n == 'B' || n == 'z';
                    boolean letterClass = Character.isLetter(n);
                    return new Info(false, !zeroWidth, letterClass ? null : String.valueOf(n), false);
                }
                default -> {
                    pos += Character.charCount(p.codePointAt(pos));
                    return new Info(false, true, String.valueOf(c), false);
                }
            }
        }

        private int classEnd(int from) {
            int i = from + 1;
            if (i < p.length() && p.charAt(i) == '^') {
                i++;
            }
            if (i < p.length() && p.charAt(i) == ']') {
                i++;
            }
            while (i < p.length() && p.charAt(i) != ']') {
                if (p.charAt(i) == '\\') {
                    i++;
                } else if (p.startsWith("[:", i)) {
                    int e = p.indexOf(":]", i + 2);
                    if (e > 0) {
                        i = e + 1;
                    }
                }
                i++;
            }
            return Math.min(p.length(), i + 1);
        }

        /** {min, max} of a quantifier at pos (with its lazy '?'), or null. */
        private int[] quantifier() {
            if (pos >= p.length()) {
                return null;
            }
            char c = p.charAt(pos);
            int[] q = switch (c) {
                case '*' -> new int[] {0, INF};
                case '+' -> new int[] {1, INF};
                case '?' -> new int[] {0, 1};
                case '{' -> counted();
                default -> null;
            };
            if (q == null) {
                return null;
            }
            if (c != '{') {
                pos++;
            }
            if (pos < p.length() && p.charAt(pos) == '?') {
                pos++;
            }
            return q;
        }

        /** {n}, {n,}, {n,m}; RE2 treats any other '{' as a literal. */
        private int[] counted() {
            int i = pos + 1;
            int a = i;
            while (i < p.length() && Character.isDigit(p.charAt(i))) {
                i++;
            }
            if (i == a || i - a > 4 || i >= p.length()) {
                return null;
            }
            int min = Integer.parseInt(p.substring(a, i));
            int max = min;
            if (p.charAt(i) == ',') {
                int b = ++i;
                while (i < p.length() && Character.isDigit(p.charAt(i))) {
                    i++;
                }
                if (i - b > 4) {
                    return null;
                }
                max = i == b ? INF : Integer.parseInt(p.substring(b, i));
            }
            if (i >= p.length() || p.charAt(i) != '}') {
                return null;
            }
            pos = i + 1;
            return new int[] {min, max};
        }
    }
}
