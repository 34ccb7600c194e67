package com.modularlabs.data;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.SafeJson;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.vertx.core.buffer.Buffer;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.UncheckedIOException;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.bson.Document;
import org.bson.codecs.DocumentCodec;
import org.bson.codecs.EncoderContext;
import org.bson.json.JsonMode;
import org.bson.json.JsonWriter;
import org.bson.json.JsonWriterSettings;
import org.bson.types.ObjectId;

/** Relaxed Extended JSON v2 in and out, with the driver's BSON codecs (never Jackson for documents). */
public final class DocJson {
    public static final JsonWriterSettings RELAXED = JsonWriterSettings.builder().outputMode(JsonMode.RELAXED).build();
    public static final JsonWriterSettings CANONICAL = JsonWriterSettings.builder().outputMode(JsonMode.EXTENDED).build();
    static final DocumentCodec CODEC = new DocumentCodec();

    private DocJson() {
    }

    /**
     * One object, e.g. a filter or a PATCH body; {@code what} names it in errors. Read by {@link SafeJson}: strict
     * JSON within the nesting, name and number limits, never a NUL in a field name.
     */
    public static Document parseObject(String json, String what) {
        return SafeJson.parseObject(json, what);
    }

    /** A document to be stored as it is (PUT): {@link #parseObject} plus the rules for stored field names. */
    public static Document parseDocument(String json) {
        Document d = SafeJson.parseObject(json, "The document");
        List<FieldError> errors = SafeJson.storedNameErrors(d, "$");
        if (!errors.isEmpty()) {
            throw Failure.invalid("Invalid field names; nothing was written", errors);
        }
        return d;
    }

    /** A request body holding one object or an array of objects to insert, with the rules for stored field names. */
    public static List<Document> parseDocuments(String json) {
        String t = json == null ? "" : json.strip();
        if (t.isEmpty()) {
            throw bad("The request body is empty", "$", "expected a JSON object or an array of objects");
        }
        if (t.charAt(0) != '{' && t.charAt(0) != '[') {
            throw bad("The request body must be a JSON object or an array of objects", "$", "expected '{' or '['");
        }
        Object value = SafeJson.decode(t, "The request body");
        List<FieldError> errors = new ArrayList<>();
        List<Document> docs = new ArrayList<>();
        if (t.charAt(0) == '{') {
            if (!(value instanceof Document d)) {
                throw bad("The request body must be a JSON object", "$", "expected an object, not an Extended JSON value");
            }
            docs.add(d);
            errors.addAll(SafeJson.storedNameErrors(d, "$"));
        } else {
            List<?> items = (List<?>) value;
            for (int i = 0; i < items.size(); i++) {
                if (!(items.get(i) instanceof Document d)) {
                    throw bad("Every array element must be a JSON object", "$[" + i + "]", "expected an object");
                }
                docs.add(d);
                errors.addAll(SafeJson.storedNameErrors(d, "$[" + i + "]"));
            }
        }
        if (!errors.isEmpty()) {
            throw Failure.invalid("Invalid field names; nothing was written", errors.size() > 20 ? errors.subList(0, 20) : errors);
        }
        return docs;
    }

    static Failure bad(String detail, String path, String message) {
        return Failure.invalid(detail, List.of(new FieldError(path, message == null ? "invalid" : message)));
    }

    /** An id from a path: 24 hex digits are an ObjectId, anything else a string id. */
    public static Object parseId(String raw) {
        if (raw == null || raw.isEmpty() || raw.length() > 200) {
            throw bad("Invalid document id", "id", "must be 1-200 characters");
        }
        return ObjectId.isValid(raw) && raw.length() == 24 ? new ObjectId(raw) : raw;
    }

    public static String toJson(Document d) {
        return d.toJson(RELAXED, CODEC);
    }

    /** Writes JSON straight into one Netty buffer (no intermediate String of the whole response). */
    public static final class Out implements AutoCloseable {
        private final ByteBuf buf = Unpooled.buffer(4096);
        private final Writer writer = new OutputStreamWriter(new ByteBufOutputStream(buf), StandardCharsets.UTF_8);

        public Out raw(String s) {
            try {
                writer.write(s);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return this;
        }

        public Out doc(Document d) {
            JsonWriter w = new JsonWriter(writer, RELAXED);
            CODEC.encode(w, d, EncoderContext.builder().build());
            w.flush();
            return this;
        }

        public Out string(String s) {
            if (s == null) {
                return raw("null");
            }
            StringBuilder sb = new StringBuilder(s.length() + 2).append('"');
            for (char c : s.toCharArray()) {
                switch (c) {
                    case '"' -> sb.append("\\\"");
                    case '\\' -> sb.append("\\\\");
                    default -> {
                        if (c < 0x20) {
                            sb.append(String.format("\\u%04x", (int) c));
                        } else {
                            sb.append(c);
                        }
                    }
                }
            }
            return raw(sb.append('"').toString());
        }

        /** Bytes written so far. */
        public int size() {
            try {
                writer.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return buf.readableBytes();
        }

        public Buffer done() {
            try {
                writer.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return Buffer.buffer(buf);
        }

        @Override
        public void close() {
        }
    }
}
