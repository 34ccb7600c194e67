package com.modularlabs.realtime;

import java.util.Map;
import org.bson.Document;

/**
 * The list API's {@code fields} applied in memory to an event's document: the projection data.ListQuery.parseFields
 * builds ({field: 1} include or {field: 0} exclude, dotted paths into sub-documents), never mutating the original.
 */
record Projection(String key, Document projection) {
    static final Projection ALL = new Projection("", null);

    Document apply(Document d) {
        if (projection == null || projection.isEmpty()) {
            return d;
        }
        boolean include = projection.values().stream().anyMatch(v -> v instanceof Number n && n.intValue() == 1);
        boolean noId = projection.get("_id") instanceof Number n && n.intValue() == 0;
        if (include) {
            Document out = new Document();
            if (!noId && d.containsKey("_id")) {
                out.put("_id", d.get("_id"));
            }
            for (Map.Entry<String, Object> p : projection.entrySet()) {
                if (!p.getKey().equals("_id") && p.getValue() instanceof Number n && n.intValue() == 1) {
                    copy(d, out, p.getKey());
                }
            }
            return out;
        }
        Document out = new Document(d);
        for (String path : projection.keySet()) {
            out = remove(out, path);
        }
        return out;
    }

    private static void copy(Document from, Document to, String path) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            if (from.containsKey(path)) {
                to.put(path, from.get(path));
            }
            return;
        }
        String head = path.substring(0, dot);
        if (from.get(head) instanceof Document sub) {
            Document target = to.get(head) instanceof Document t ? t : new Document();
            copy(sub, target, path.substring(dot + 1));
            if (!target.isEmpty()) {
                to.put(head, target);
            }
        }
    }

    /** A copy of {@code d} without {@code path} (sub-documents on the way are copied, not changed). */
    private static Document remove(Document d, String path) {
        int dot = path.indexOf('.');
        Document out = new Document(d);
        if (dot < 0) {
            out.remove(path);
        } else if (d.get(path.substring(0, dot)) instanceof Document sub) {
            out.put(path.substring(0, dot), remove(sub, path.substring(dot + 1)));
        }
        return out;
    }
}
