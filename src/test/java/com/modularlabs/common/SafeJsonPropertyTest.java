package com.modularlabs.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.modularlabs.data.DocJson;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.codecs.DocumentCodec;
import org.bson.types.ObjectId;
import org.junit.jupiter.api.Test;

/**
 * The body readers (SafeJson, and DocJson's object / document / documents readers built on it) over random and
 * hostile JSON text: every input is either accepted as a BSON-encodable document or refused with a 4xx
 * common.Failure naming a JSON path. Nothing else may escape (no StackOverflowError, no driver exception).
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
            } catch (Failure e) {
                assertTrue(ProblemMappers.status(e) >= 400 && ProblemMappers.status(e) < 500, "status " + ProblemMappers.status(e));
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

    @Test
    void generatedJsonIsAcceptedOrRefusedWithA4xx() {
        Gen.forAll(300, SafeJsonPropertyTest::json, SafeJsonPropertyTest::onlyAcceptedOrClientError);
    }

    record Mutation(String text, int cut, String noise) {}

    @Test
    void truncatedAndMutatedJsonIsAcceptedOrRefusedWithA4xx() {
        Gen.forAll(300, g -> new Mutation(json(g), g.between(0, 10_000), noise(g)), m -> {
            int at = Math.min(m.cut(), m.text().length());
            onlyAcceptedOrClientError(m.text().substring(0, at));
            onlyAcceptedOrClientError(m.text().substring(0, at) + m.noise() + m.text().substring(at));
        });
    }

    record Nesting(int depth, String opener) {}

    @Test
    void deepNestingIsRefusedWithItsPath() {
        Gen.forAll(100, g -> new Nesting(g.between(101, 6000), g.of("[", "{\"a\":", "[{\"b\":", "{\"$and\":[")), n -> {
            String open = n.opener();
            String text = open.repeat(n.depth()) + "1" + (open.startsWith("[") ? "]" : "}").repeat(n.depth());
            for (Function<String, Object> reader : READERS) {
                Failure e = assertThrows(Failure.class, () -> reader.apply(text));
                assertEquals(400, ProblemMappers.status(e));
            }
            onlyAcceptedOrClientError(open.repeat(n.depth())); // unterminated
        });
    }

    record Bytes(byte[] bytes) {
        @Override
        public String toString() {
            return "bytes " + HexFormat.of().formatHex(bytes);
        }
    }

    @Test
    void randomBytesAsUtf8AreAcceptedOrRefusedWithA4xx() {
        Gen.forAll(200, g -> new Bytes(g.bytes(g.oneIn(4) ? 2000 : 64)), b -> {
            byte[] bytes = b.bytes();
            // what a body reader gets from invalid UTF-8: replacement characters in a String
            onlyAcceptedOrClientError(new String(bytes, StandardCharsets.UTF_8));
            onlyAcceptedOrClientError("{\"k\":\"" + new String(bytes, StandardCharsets.ISO_8859_1) + "\"}");
        });
    }

    @Test
    void nestingUpToTheLimitIsAccepted() {
        String ok = "{\"a\":".repeat(99) + "[1]" + "}".repeat(99); // 100 levels
        assertTrue(DocJson.parseObject(ok, "x").containsKey("a"));
        String over = "{\"a\":".repeat(100) + "[1]" + "}".repeat(100);
        Failure e = assertThrows(Failure.class, () -> DocJson.parseObject(over, "x"));
        assertTrue(e.errors().get(0).path().startsWith("$.a.a.a"), e.errors().toString());
    }

    @Test
    void hostileNamesAreRefusedWithTheirPath() {
        Failure nul = assertThrows(Failure.class, () -> DocJson.parseDocuments("{\"x\":{\"a\\u0000b\":1}}"));
        assertEquals("$.x.a\\u0000b", nul.errors().get(0).path());
        Failure dollar = assertThrows(Failure.class, () -> DocJson.parseDocuments("[{\"ok\":1},{\"y\":[{\"$set\":1}]}]"));
        assertEquals("$[1].y[0].$set", dollar.errors().get(0).path());
        Failure dot = assertThrows(Failure.class, () -> DocJson.parseDocument("{\"a.b\":1}"));
        assertEquals("$.a.b", dot.errors().get(0).path());
        Failure empty = assertThrows(Failure.class, () -> DocJson.parseDocument("{\"\":1}"));
        assertEquals("$.", empty.errors().get(0).path());
        Failure longName = assertThrows(Failure.class, () -> DocJson.parseDocument("{\"" + "k".repeat(1025) + "\":1}"));
        assertEquals(400, ProblemMappers.status(longName));
        Failure number = assertThrows(Failure.class, () -> DocJson.parseDocument("{\"n\":" + "9".repeat(101) + "}"));
        assertEquals("$.n", number.errors().get(0).path());
        // filters and updates keep their operators and dotted paths
        assertEquals(Map.of("a.b", new Document("$gt", 1)), DocJson.parseObject("{\"a.b\":{\"$gt\":1}}", "filter"));
    }

    @Test
    void oneValueOnlyAndStrictSyntax() {
        assertThrows(Failure.class, () -> DocJson.parseObject("{\"a\":1}{\"b\":2}", "x"));
        assertThrows(Failure.class, () -> DocJson.parseObject("{a:1}", "x"));
        assertThrows(Failure.class, () -> DocJson.parseObject("{\"a\":ObjectId(\"5f0000000000000000000000\")}", "x"));
        // Extended JSON v2 values are still values
        Document d = DocJson.parseDocument("{\"_id\":{\"$oid\":\"5f0000000000000000000000\"},\"at\":{\"$date\":\"2024-01-01T00:00:00Z\"}}");
        assertTrue(d.get("_id") instanceof ObjectId);
    }

    private static String noise(Gen g) {
        return g.oneIn(2)
                ? g.of("\u0000", "\\u0000", "\"", "\\", "{", "[", "]", "}", ",", ":", "\ud800", "\\ud800", "1e999999", "-", "$", ".",
                        "NaN", "\uFFFD")
                : g.string(5);
    }

    /** Random JSON text up to 6 levels, with hostile keys and values and runs of up to 300 nested levels. */
    static String json(Gen g) {
        return value(g, 6);
    }

    private static String value(Gen g, int depth) {
        int kind = depth == 0 ? 0 : g.weighted(3, 4, 2, 1);
        return switch (kind) {
            case 0 -> g.oneOf(
                    () -> quote(g.string(20)),
                    () -> String.valueOf(g.anyInt()),
                    () -> String.valueOf(g.anyDouble()), // includes NaN and Infinity, which JSON does not allow
                    () -> g.string(1, 400, Gen.DIGITS), // huge numbers, leading zeros
                    () -> g.of("true", "false", "null", "{\"$oid\":\"5f0000000000000000000000\"}", "{\"$date\":\"bad\"}",
                            "{\"$numberDecimal\":\"1e6145\"}", "{\"$regex\":\"(a+)+\",\"$options\":\"\"}", "{\"$foo\":1}"));
            case 1 -> "{" + String.join(",", g.list(0, 4, () -> quote(key(g)) + ":" + value(g, depth - 1))) + "}";
            case 2 -> "[" + String.join(",", g.list(0, 4, () -> value(g, depth - 1))) + "]";
            default -> {
                int n = g.between(1, 300);
                String open = g.of("[", "{\"d\":");
                yield open.repeat(n) + "0" + (open.equals("[") ? "]" : "}").repeat(n);
            }
        };
    }

    private static String key(Gen g) {
        return g.oneOf(
                () -> g.string(1, 8, Gen.ALPHA),
                () -> g.of("", "_id", "$set", "$where", "a.b", ".", "$", "a\u0000b", "\u0000", "k".repeat(2000), "\ud800"),
                () -> g.string(6));
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
