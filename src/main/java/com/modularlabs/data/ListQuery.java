package com.modularlabs.data;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.bson.BsonTimestamp;
import org.bson.Document;
import org.bson.json.JsonParseException;
import org.bson.types.Binary;
import org.bson.types.ObjectId;

/**
 * Parsed list parameters: sort keys (always ending with _id, the keyset tie-breaker), projection, limit, and the
 * keyset cursor. The cursor is the last document's sort values and _id as canonical Extended JSON, plus the sort
 * spec, with an HMAC so a tampered cursor is a 400 and never a different page.
 */
public final class ListQuery {
    /** One sort key; dir is 1 or -1. */
    public record Key(String field, int dir) {
    }

    private ListQuery() {
    }

    public static List<Key> parseSort(String sort, int maxFields) {
        return parseSort(sort, maxFields, Set.of());
    }

    /** As {@link #parseSort(String, int)}; sorting on a {@code hidden} field (or inside one) is refused. */
    public static List<Key> parseSort(String sort, int maxFields, Set<String> hidden) {
        List<Key> keys = new ArrayList<>();
        if (sort != null && !sort.isBlank()) {
            String[] parts = sort.split(",", -1);
            if (parts.length > maxFields) {
                throw badParam("sort", "at most " + maxFields + " sort fields");
            }
            Set<String> seen = new HashSet<>();
            for (String raw : parts) {
                String p = raw.strip();
                int dir = 1;
                if (p.startsWith("-")) {
                    dir = -1;
                    p = p.substring(1);
                } else if (p.startsWith("+")) {
                    p = p.substring(1);
                }
                if (!FilterRules.validField(p)) {
                    throw badParam("sort", "invalid sort field '" + raw + "'");
                }
                if (hidden.contains(p.split("\\.", 2)[0])) {
                    throw badParam("sort", "cannot sort on '" + p + "'");
                }
                if (!seen.add(p)) {
                    throw badParam("sort", "field '" + p + "' appears twice");
                }
                keys.add(new Key(p, dir));
            }
        }
        if (keys.stream().noneMatch(k -> k.field().equals("_id"))) {
            keys.add(new Key("_id", 1));
        } else if (!keys.get(keys.size() - 1).field().equals("_id")) {
            throw badParam("sort", "_id must be the last sort field");
        }
        return keys;
    }

    public static Document sortDoc(List<Key> keys) {
        Document d = new Document();
        keys.forEach(k -> d.put(k.field(), k.dir()));
        return d;
    }

    /** Projection: null (everything), inclusion "a,b" or exclusion "-c,-d". */
    public record Fields(Document projection, Set<String> added) {
    }

    public static Fields parseFields(String fields, List<Key> sort) {
        if (fields == null || fields.isBlank()) {
            return new Fields(null, Set.of());
        }
        Map<String, Integer> proj = new LinkedHashMap<>();
        Boolean exclude = null;
        for (String raw : fields.split(",", -1)) {
            String f = raw.strip();
            boolean ex = f.startsWith("-");
            if (ex) {
                f = f.substring(1);
            }
            if (!FilterRules.validField(f)) {
                throw badParam("fields", "invalid field '" + raw + "'");
            }
            if (!f.equals("_id")) {
                if (exclude != null && exclude != ex) {
                    throw badParam("fields", "cannot mix included and excluded fields (except -_id)");
                }
                exclude = ex;
            }
            proj.put(f, ex ? 0 : 1);
        }
        Set<String> added = new HashSet<>();
        if (Boolean.TRUE.equals(exclude) || (exclude == null && proj.getOrDefault("_id", 1) == 0)) {
            for (Key k : sort) {
                if (proj.containsKey(k.field()) || proj.keySet().stream().anyMatch(p -> k.field().startsWith(p + "."))) {
                    if (k.field().equals("_id")) {
                        proj.remove("_id");
                        added.add("_id");
                    } else {
                        throw badParam("fields", "cannot exclude the sort field '" + k.field() + "'");
                    }
                }
            }
        } else {
            for (Key k : sort) {
                Integer v = proj.get(k.field());
                if (v == null || v == 0) {
                    boolean covered = proj.entrySet().stream().anyMatch(e -> e.getValue() == 1 && k.field().startsWith(e.getKey() + "."));
                    if (!covered) {
                        if (v != null) {
                            proj.remove(k.field());
                        }
                        proj.put(k.field(), 1);
                        added.add(k.field());
                    }
                }
            }
        }
        Document d = new Document();
        proj.forEach(d::put);
        return new Fields(d, added);
    }

    public static int parseLimit(String limit, int def, int max) {
        if (limit == null || limit.isBlank()) {
            return def;
        }
        try {
            int n = Integer.parseInt(limit.strip());
            if (n < 1 || n > max) {
                throw badParam("limit", "must be between 1 and " + max);
            }
            return n;
        } catch (NumberFormatException e) {
            throw badParam("limit", "must be an integer");
        }
    }

    /** Value at a dotted path, or null when missing. */
    public static Object valueAt(Document d, String path) {
        Object cur = d;
        for (String seg : path.split("\\.")) {
            if (!(cur instanceof Document c)) {
                return null;
            }
            cur = c.get(seg);
        }
        return cur;
    }

    public static String encodeCursor(Document last, List<Key> keys, String secret) {
        List<Object> values = new ArrayList<>();
        for (Key k : keys) {
            values.add(valueAt(last, k.field()));
        }
        Document c = new Document("s", sortSpec(keys)).append("v", values);
        String payload = Base64.getUrlEncoder().withoutPadding().encodeToString(c.toJson(DocJson.CANONICAL).getBytes(StandardCharsets.UTF_8));
        return payload + "." + mac(payload, secret);
    }

    /** The last document's sort values, in key order; 400 for anything not issued by us for this sort. */
    public static List<Object> decodeCursor(String cursor, List<Key> keys, String secret) {
        int dot = cursor.lastIndexOf('.');
        if (dot <= 0 || !MessageDigest.isEqual(cursor.substring(dot + 1).getBytes(StandardCharsets.UTF_8),
                mac(cursor.substring(0, dot), secret).getBytes(StandardCharsets.UTF_8))) {
            throw badParam("after", "invalid or tampered cursor");
        }
        try {
            String json = new String(Base64.getUrlDecoder().decode(cursor.substring(0, dot)), StandardCharsets.UTF_8);
            Document c = Document.parse(json);
            if (!sortSpec(keys).equals(c.getString("s"))) {
                throw badParam("after", "the cursor belongs to a different sort");
            }
            List<?> v = c.get("v", List.class);
            if (v == null || v.size() != keys.size()) {
                throw badParam("after", "invalid cursor");
            }
            return new ArrayList<>(v);
        } catch (IllegalArgumentException | JsonParseException | ClassCastException e) {
            throw badParam("after", "invalid cursor");
        }
    }

    private static String sortSpec(List<Key> keys) {
        StringBuilder sb = new StringBuilder();
        for (Key k : keys) {
            sb.append(k.dir() < 0 ? "-" : "").append(k.field()).append(',');
        }
        return sb.toString();
    }

    private static String mac(String payload, String secret) {
        try {
            Mac mac = Mac.getInstance("HmacSHA256");
            mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
            byte[] out = mac.doFinal(payload.getBytes(StandardCharsets.UTF_8));
            return Base64.getUrlEncoder().withoutPadding().encodeToString(Arrays.copyOf(out, 16));
        } catch (NoSuchAlgorithmException | InvalidKeyException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * The keyset condition "after the last document" for sort keys k1..kn:
     * OR_i (k1 = v1 AND ... AND k(i-1) = v(i-1) AND k_i beyond v_i). "Beyond" follows MongoDB's cross-type sort
     * order (null &lt; numbers &lt; strings &lt; objects &lt; ... ), since $gt/$lt only compare within one type.
     */
    public static Document after(List<Key> keys, List<Object> values) {
        List<Document> ors = new ArrayList<>();
        for (int i = 0; i < keys.size(); i++) {
            Document clause = new Document();
            for (int j = 0; j < i; j++) {
                clause.append(keys.get(j).field(), values.get(j));
            }
            Key k = keys.get(i);
            Document beyond = beyond(k.field(), values.get(i), k.dir());
            if (beyond == null) {
                continue;
            }
            if (clause.isEmpty()) {
                ors.add(beyond);
            } else {
                ors.add(new Document("$and", List.of(clause, beyond)));
            }
        }
        return ors.size() == 1 ? ors.get(0) : new Document("$or", ors);
    }

    /** MongoDB's cross-type sort order, as numeric $type codes (aliases vary between servers). */
    private static final List<List<Integer>> BRACKETS = List.of(
            List.of(10), List.of(1, 16, 18, 19), List.of(2), List.of(3), List.of(4), List.of(5), List.of(7), List.of(8),
            List.of(9), List.of(17), List.of(11));

    private static int bracket(Object v) {
        if (v == null) return 0;
        if (v instanceof Number) return 1;
        if (v instanceof String) return 2;
        if (v instanceof Document) return 3;
        if (v instanceof List) return 4;
        if (v instanceof Binary || v instanceof UUID) return 5;
        if (v instanceof ObjectId) return 6;
        if (v instanceof Boolean) return 7;
        if (v instanceof Date) return 8;
        if (v instanceof BsonTimestamp) return 9;
        return 10;
    }

    private static Document beyond(String field, Object v, int dir) {
        int b = bracket(v);
        List<Integer> types = new ArrayList<>();
        for (int i = 0; i < BRACKETS.size(); i++) {
            if (i != 4 && (dir > 0 ? i > b : i < b && i > 0)) {
                types.addAll(BRACKETS.get(i));
            }
        }
        List<Document> alts = new ArrayList<>();
        if (v != null) {
            alts.add(new Document(field, new Document(dir > 0 ? "$gt" : "$lt", v)));
        }
        if (!types.isEmpty()) {
            alts.add(new Document(field, new Document("$type", types)));
        }
        if (dir < 0 && b > 0) {
            alts.add(new Document(field, null)); // null and missing sort first
        }
        if (alts.isEmpty()) {
            return null;
        }
        return alts.size() == 1 ? alts.get(0) : new Document("$or", alts);
    }

    static Failure badParam(String param, String message) {
        return Failure.invalid("Invalid query parameter '" + param + "'", List.of(new FieldError(param, message)));
    }
}
