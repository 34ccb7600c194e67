package com.modularlabs.common;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import org.bson.BsonInvalidOperationException;
import org.bson.Document;
import org.bson.codecs.DecoderContext;
import org.bson.codecs.DocumentCodec;
import org.bson.json.JsonParseException;
import org.bson.json.JsonReader;

/**
 * The one reader of JSON request bodies that become BSON (data API documents, filters, updates, manifests). A
 * streaming pre-scan with Jackson (strict JSON, one value, the nesting/key/number limits, no NUL in field names)
 * runs before the driver's recursive Extended JSON decoder ever sees the text, so no input can overflow its stack
 * or reach the database with a name BSON cannot encode. Every failure is a {@link Failure} of kind INVALID naming the
 * JSON path. POJO bodies (auth, users, roles) go through Quarkus' ObjectMapper with the same limits ({@link JacksonLimits}).
 */
public final class SafeJson {
    /** Limits of one JSON text; {@code bodyBytes} is the request body limit enforced by {@link BodyLimits}. */
    public record Limits(int depth, int keyLength, int numberLength, long bodyBytes) {
        public static final Limits DEFAULTS = new Limits(100, 1024, 100, 1024 * 1024);

        /** Jackson's guards for POJO bodies: exactly these limits. */
        public StreamReadConstraints constraints() {
            return constraints(0);
        }

        /** {@code slack} = 1 for the pre-scan: one step looser, so that its own checks (which know the path) fire first. */
        StreamReadConstraints constraints(int slack) {
            int strings = (int) Math.min(Integer.MAX_VALUE, Math.max(bodyBytes, 1024));
            return StreamReadConstraints.builder().maxNestingDepth(depth + slack).maxNumberLength(numberLength)
                    .maxNameLength(keyLength + slack).maxStringLength(strings).maxDocumentLength(Math.max(bodyBytes, 1024) * 2).build();
        }
    }

    private static final DocumentCodec CODEC = new DocumentCodec();
    private static final int MAX_PATH_CHARS = 300;
    private static volatile Limits limits = Limits.DEFAULTS;
    private static volatile JsonFactory factory = factory(Limits.DEFAULTS);

    private SafeJson() {
    }

    /** Installs the configured limits (at startup, from {@link LimitsConfig}). */
    public static void configure(Limits l) {
        factory = factory(l);
        limits = l;
    }

    public static Limits limits() {
        return limits;
    }

    private static JsonFactory factory(Limits l) {
        return JsonFactory.builder().streamReadConstraints(l.constraints(1)).build();
    }

    /**
     * Checks that {@code json} is exactly one strict JSON value within the limits; {@code what} names it in errors
     * ("The request body", "filter").
     */
    public static void check(String json, String what) {
        check(json, what, limits, factory);
    }

    /** The same with explicit limits (tests). */
    public static void check(String json, String what, Limits l) {
        check(json, what, l, factory(l));
    }

    private static void check(String json, String what, Limits l, JsonFactory f) {
        JsonParser p = null;
        try {
            p = f.createParser(json == null ? "" : json);
            JsonToken t = p.nextToken();
            if (t == null) {
                throw bad(what + " is empty", "$", "expected a JSON value");
            }
            int depth = 0;
            while (true) {
                switch (t) {
                    case START_OBJECT, START_ARRAY -> {
                        if (++depth > l.depth()) {
                            throw bad(what + " is nested too deeply", path(p.getParsingContext().getParent()),
                                    "more than " + l.depth() + " levels of objects and arrays");
                        }
                    }
                    case END_OBJECT, END_ARRAY -> depth--;
                    case FIELD_NAME -> checkName(p.currentName(), p.getParsingContext(), what, l);
                    case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> {
                        if (p.getTextLength() > l.numberLength()) {
                            throw bad(what + " holds a number that is too long", path(p.getParsingContext()),
                                    "more than " + l.numberLength() + " characters");
                        }
                    }
                    default -> {
                    }
                }
                if (depth == 0) {
                    break;
                }
                t = p.nextToken();
                if (t == null) {
                    throw bad(what + " is not valid JSON", "$", "unexpected end of input");
                }
            }
            if (p.nextToken() != null) {
                throw bad(what + " is not valid JSON", "$", "unexpected content after the end of the JSON value at "
                        + where(p));
            }
        } catch (StreamConstraintsException e) {
            throw bad(what + " exceeds a JSON limit", path(p == null ? null : p.getParsingContext()), limitMessage(e, l));
        } catch (JsonProcessingException e) {
            // a syntax error belongs to the text ($), located by line and column and the value being read
            String in = p == null ? "$" : path(p.getParsingContext());
            throw bad(what + " is not valid JSON", "$", e.getOriginalMessage() + (p == null ? "" : " at " + where(p))
                    + (in.equals("$") ? "" : " (in " + in + ")"));
        } catch (IOException e) {
            throw bad(what + " could not be read", "$", "unreadable input");
        } finally {
            if (p != null) {
                try {
                    p.close();
                } catch (IOException ignored) {
                    // a parser over a String holds no resource
                }
            }
        }
    }

    private static void checkName(String name, JsonStreamContext ctx, String what, Limits l) {
        if (name.indexOf('\0') >= 0) {
            throw bad(what + " has an invalid field name", path(ctx), "field names cannot contain the NUL character");
        }
        if (name.length() > l.keyLength()) {
            throw bad(what + " has an invalid field name", path(ctx.getParent()) + "." + abbreviate(name, 40),
                    "field names are limited to " + l.keyLength() + " characters");
        }
    }

    private static String limitMessage(StreamConstraintsException e, Limits l) {
        String m = String.valueOf(e.getOriginalMessage()).toLowerCase();
        if (m.contains("nesting")) {
            return "more than " + l.depth() + " levels of objects and arrays";
        }
        if (m.contains("number")) {
            return "a number longer than " + l.numberLength() + " characters";
        }
        if (m.contains("name")) {
            return "a field name longer than " + l.keyLength() + " characters";
        }
        return "a string or document larger than " + l.bodyBytes() + " bytes";
    }

    private static String where(JsonParser p) {
        var loc = p.currentLocation();
        return "line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }

    /** {@code $.a.b[2]} for a Jackson context; names that are not plain identifiers are quoted. */
    static String path(JsonStreamContext ctx) {
        Deque<String> parts = new ArrayDeque<>();
        for (JsonStreamContext c = ctx; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                parts.push("[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                parts.push(segment(c.getCurrentName()));
            }
        }
        StringBuilder sb = new StringBuilder("$");
        parts.forEach(sb::append);
        return sb.length() > MAX_PATH_CHARS ? sb.substring(0, MAX_PATH_CHARS) + "…" : sb.toString();
    }

    /** One path segment for {@code name}: {@code .name} as elsewhere in the engine's errors, control characters escaped. */
    public static String segment(String name) {
        StringBuilder sb = new StringBuilder(".");
        for (char ch : abbreviate(name, 100).toCharArray()) {
            if (ch < 0x20) {
                sb.append(String.format("\\u%04x", (int) ch));
            } else {
                sb.append(ch);
            }
        }
        return sb.toString();
    }

    private static String abbreviate(String s, int max) {
        return s.length() <= max ? s : s.substring(0, max) + "…";
    }

    /** One JSON object as a BSON document (Extended JSON v2 values), after {@link #check}. */
    public static Document parseObject(String json, String what) {
        String t = json == null ? "" : json.strip();
        if (t.isEmpty() || t.charAt(0) != '{') {
            throw bad(what + " must be a JSON object", "$", "expected '{'");
        }
        if (!(decode(t, what) instanceof Document d)) {
            throw bad(what + " must be a JSON object", "$", "expected an object, not an Extended JSON value");
        }
        return d;
    }

    /** One JSON value (object, array, scalar or Extended JSON value) as BSON-ready Java values, after {@link #check}. */
    public static Object decode(String json, String what) {
        check(json, what);
        // a wrapper document, so the driver's decoder accepts any value; the pre-scan guarantees one value and no
        // trailing content, and bounds the decoder's recursion by the nesting limit
        try (JsonReader reader = new JsonReader("{\"d\":" + json + "\n}")) {
            return CODEC.decode(reader, DecoderContext.builder().build()).get("d");
        } catch (JsonParseException | BsonInvalidOperationException | IllegalArgumentException | IllegalStateException e) {
            throw bad(what + " is not valid Extended JSON v2", "$", readerMessage(e));
        }
    }

    /** The reader's own words, except those that name Java types (a wrapper such as $numberLong with a non-number). */
    static String readerMessage(RuntimeException e) {
        String m = e.getMessage();
        if (m == null || m.contains("java.") || m.contains("Exception")) {
            return "a value inside an Extended JSON wrapper ($numberLong, $numberInt, $numberDouble, $numberDecimal, $date, "
                    + "$oid, ...) does not have that type's form";
        }
        return m;
    }

    /**
     * Field names a stored document may have. MongoDB stores names that start with '$' or contain '.' since 5.0,
     * but no filter, update, sort or index can address them, and top-level '$' names are refused; empty names are
     * equally unreachable by a path. The engine refuses all of them, with the path of each.
     */
    public static List<FieldError> storedNameErrors(Document d, String prefix) {
        List<FieldError> errors = new ArrayList<>();
        walk(d, prefix, errors);
        return errors;
    }

    private static void walk(Object v, String at, List<FieldError> errors) {
        if (errors.size() >= 20) {
            return;
        }
        if (v instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                String name = String.valueOf(e.getKey());
                String here = at + segment(name);
                if (name.isEmpty()) {
                    errors.add(new FieldError(here, "empty field names cannot be stored"));
                } else if (name.charAt(0) == '$') {
                    errors.add(new FieldError(here, "field names cannot start with '$' (reserved for operators)"));
                } else if (name.indexOf('.') >= 0) {
                    errors.add(new FieldError(here, "field names cannot contain '.' (it separates path segments)"));
                } else if (name.indexOf('\0') >= 0) {
                    errors.add(new FieldError(here, "field names cannot contain the NUL character"));
                }
                walk(e.getValue(), here, errors);
            }
        } else if (v instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                walk(list.get(i), at + "[" + i + "]", errors);
            }
        }
    }

    public static Failure bad(String detail, String path, String message) {
        return Failure.invalid(detail, List.of(new FieldError(path, message == null ? "invalid" : message)));
    }
}
