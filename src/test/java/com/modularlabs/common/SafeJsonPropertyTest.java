package com.modularlabs.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.modularlabs.data.DocJson;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;

/**
 * The body readers (SafeJson, and DocJson's object / document / documents readers built on it) over random and
 * hostile JSON text: every input is either accepted as a BSON-encodable document or refused with a 4xx
 * ProblemException naming a JSON path. Nothing else may escape (no StackOverflowError, no driver exception).
 */
class SafeJsonPropertyTest {
    private static final List<Function<String, Object>> READERS = List.of(
            s -> DocJson.parseObject(s, "filter"),
            DocJson::parseDocument,
            DocJson::parseDocuments,
            s -> SafeJson.decode(s, "The request body"));

    /** Accepted: encodable as BSON, and stored documents obey the name rules. Refused: a 4xx with a path. */
    private static void onlyAcceptedOrClientError(String text) {
        for (int i = 0; i < READERS.size(); i++) {
            Object out;
            try {
                out = READERS.get(i).apply(text);
            } catch (ProblemException e) {
                assertTrue(e.status() >= 400 && e.status() < 500, "status " + e.status());
                assertTrue(!e.errors().isEmpty() && e.errors().get(0).path().startsWith("$"), "a path: " + e.errors());
                continue;
            } catch (Throwable t) {
                fail("reader " + i + " threw " + t + " for input of " + text.length() + " chars: " + preview(text));
                return;
            }
            if (out instanceof Document d) {
                new RawBsonDocument(d, new DocumentCodec()); // encodable: no NUL names
                if (i == 1) {
                    assertEquals(List.of(), SafeJson.storedNameErrors(d, "$"));
                }
            } else if (out instanceof List<?> l && i == 2) {
                for (Object o : l) {
                    new RawBsonDocument((Document) o, new DocumentCodec());
                    assertEquals(List.of(), SafeJson.storedNameErrors((Document) o, "$"));
                }
            }
        }
    }

    private static String preview(String s) {
        return s.length() <= 120 ? s : s.substring(0, 120) + "…";
    }

    @Property(tries = 300)
    void generatedJsonIsAcceptedOrRefusedWithA4xx(@ForAll("json") String text) {
        onlyAcceptedOrClientError(text);
    }

    @Property(tries = 300)
    void truncatedAndMutatedJsonIsAcceptedOrRefusedWithA4xx(@ForAll("json") String text, @ForAll @IntRange(min = 0, max = 10_000) int cut,
            @ForAll("noise") String noise) {
        int at = Math.min(cut, text.length());
        onlyAcceptedOrClientError(text.substring(0, at));
        onlyAcceptedOrClientError(text.substring(0, at) + noise + text.substring(at));
    }

    @Property(tries = 100)
    void deepNestingIsRefusedWithItsPath(@ForAll @IntRange(min = 101, max = 6000) int depth, @ForAll("opener") String open) {
        String text = open.repeat(depth) + "1" + (open.startsWith("[") ? "]" : "}").repeat(depth);
        for (Function<String, Object> reader : READERS) {
            ProblemException e = assertThrows(ProblemException.class, () -> reader.apply(text));
            assertEquals(400, e.status());
        }
        onlyAcceptedOrClientError(open.repeat(depth)); // unterminated
    }

    @Property(tries = 200)
    void randomBytesAsUtf8AreAcceptedOrRefusedWithA4xx(@ForAll byte[] bytes) {
        // what a body reader gets from invalid UTF-8: replacement characters in a String
        onlyAcceptedOrClientError(new String(bytes, StandardCharsets.UTF_8));
        onlyAcceptedOrClientError("{\"k\":\"" + new String(bytes, StandardCharsets.ISO_8859_1) + "\"}");
    }

    @Example
    void nestingUpToTheLimitIsAccepted() {
        String ok = "{\"a\":".repeat(99) + "[1]" + "}".repeat(99); // 100 levels
        assertTrue(DocJson.parseObject(ok, "x").containsKey("a"));
        String over = "{\"a\":".repeat(100) + "[1]" + "}".repeat(100);
        ProblemException e = assertThrows(ProblemException.class, () -> DocJson.parseObject(over, "x"));
        assertTrue(e.errors().get(0).path().startsWith("$.a.a.a"), e.errors().toString());
    }

    @Example
    void hostileNamesAreRefusedWithTheirPath() {
        ProblemException nul = assertThrows(ProblemException.class, () -> DocJson.parseDocuments("{\"x\":{\"a\\u0000b\":1}}"));
        assertEquals("$.x.a\\u0000b", nul.errors().get(0).path());
        ProblemException dollar = assertThrows(ProblemException.class, () -> DocJson.parseDocuments("[{\"ok\":1},{\"y\":[{\"$set\":1}]}]"));
        assertEquals("$[1].y[0].$set", dollar.errors().get(0).path());
        ProblemException dot = assertThrows(ProblemException.class, () -> DocJson.parseDocument("{\"a.b\":1}"));
        assertEquals("$.a.b", dot.errors().get(0).path());
        ProblemException empty = assertThrows(ProblemException.class, () -> DocJson.parseDocument("{\"\":1}"));
        assertEquals("$.", empty.errors().get(0).path());
        ProblemException longName = assertThrows(ProblemException.class, () -> DocJson.parseDocument("{\"" + "k".repeat(1025) + "\":1}"));
        assertEquals(400, longName.status());
        ProblemException number = assertThrows(ProblemException.class, () -> DocJson.parseDocument("{\"n\":" + "9".repeat(101) + "}"));
        assertEquals("$.n", number.errors().get(0).path());
        // filters and updates keep their operators and dotted paths
        assertEquals(Map.of("a.b", new Document("$gt", 1)), DocJson.parseObject("{\"a.b\":{\"$gt\":1}}", "filter"));
    }

    @Example
    void oneValueOnlyAndStrictSyntax() {
        assertThrows(ProblemException.class, () -> DocJson.parseObject("{\"a\":1}{\"b\":2}", "x"));
        assertThrows(ProblemException.class, () -> DocJson.parseObject("{a:1}", "x"));
        assertThrows(ProblemException.class, () -> DocJson.parseObject("{\"a\":ObjectId(\"5f0000000000000000000000\")}", "x"));
        // Extended JSON v2 values are still values
        Document d = DocJson.parseDocument("{\"_id\":{\"$oid\":\"5f0000000000000000000000\"},\"at\":{\"$date\":\"2024-01-01T00:00:00Z\"}}");
        assertTrue(d.get("_id") instanceof org.bson.types.ObjectId);
    }

    @Provide
    Arbitrary<String> opener() {
        return Arbitraries.of("[", "{\"a\":", "[{\"b\":", "{\"$and\":[");
    }

    @Provide
    Arbitrary<String> noise() {
        return Arbitraries.oneOf(Arbitraries.of("\u0000", "\\u0000", "\"", "\\", "{", "[", "]", "}", ",", ":", "\ud800", "\\ud800",
                "1e999999", "-", "$", ".", "NaN", "\uFFFD"), Arbitraries.strings().ofMaxLength(5));
    }

    @Provide
    Arbitrary<String> json() {
        return value(6);
    }

    private Arbitrary<String> value(int depth) {
        Arbitrary<String> scalar = Arbitraries.oneOf(
                Arbitraries.strings().ofMaxLength(20).map(SafeJsonPropertyTest::quote),
                Arbitraries.integers().map(String::valueOf),
                Arbitraries.doubles().map(String::valueOf),
                Arbitraries.strings().numeric().ofMinLength(1).ofMaxLength(400), // huge numbers, leading zeros
                Arbitraries.of("true", "false", "null", "{\"$oid\":\"5f0000000000000000000000\"}", "{\"$date\":\"bad\"}",
                        "{\"$numberDecimal\":\"1e6145\"}", "{\"$regex\":\"(a+)+\",\"$options\":\"\"}", "{\"$foo\":1}"));
        if (depth == 0) {
            return scalar;
        }
        Arbitrary<String> inner = Arbitraries.lazy(() -> value(depth - 1));
        Arbitrary<String> array = inner.list().ofMaxSize(4).map(l -> "[" + String.join(",", l) + "]");
        Arbitrary<String> object = Combinators.combine(key(), inner).as((k, v) -> quote(k) + ":" + v).list().ofMaxSize(4)
                .map(l -> "{" + String.join(",", l) + "}");
        Arbitrary<String> deep = Combinators.combine(Arbitraries.integers().between(1, 300), Arbitraries.of("[", "{\"d\":"))
                .as((n, open) -> open.repeat(n) + "0" + (open.equals("[") ? "]" : "}").repeat(n));
        return Arbitraries.frequencyOf(
                net.jqwik.api.Tuple.of(3, scalar), net.jqwik.api.Tuple.of(4, object), net.jqwik.api.Tuple.of(2, array),
                net.jqwik.api.Tuple.of(1, deep));
    }

    private static Arbitrary<String> key() {
        return Arbitraries.oneOf(Arbitraries.strings().alpha().ofMinLength(1).ofMaxLength(8),
                Arbitraries.of("", "_id", "$set", "$where", "a.b", ".", "$", "a\u0000b", "\u0000", "k".repeat(2000), "\ud800"),
                Arbitraries.strings().ofMaxLength(6));
    }

    private static String quote(String s) {
        StringBuilder sb = new StringBuilder("\"");
        for (char c : s.toCharArray()) {
            if (c == '"' || c == '\\') {
                sb.append('\\').append(c);
            } else if (c < 0x20) {
                sb.append(String.format("\\u%04x", (int) c));
            } else {
                sb.append(c);
            }
        }
        return sb.append('"').toString();
    }
}
