package com.modularlabs.realtime;

import com.modularlabs.access.AccessLevel;
import com.modularlabs.data.DocJson;
import com.modularlabs.store.ChangeLog;
import java.util.Map;
import org.bson.Document;

/**
 * One subscription on a connection: a collection of {@code scope} (the connection's experiment, or one in its
 * data_scope), restricted to {@code ownerOnly}'s documents when the read level is owner, narrowed by a filter and
 * projected by the list API's {@code fields}. {@code viewer} is the non-admin caller (null for admins), who sees a
 * document's author only on their own documents, as with a GET.
 *
 * @param spec the request as given (re-authorized on registry and user changes)
 */
record Subscription(String id, String scope, String collection, AccessLevel.Owner ownerOnly, AccessLevel.Owner viewer, Matcher matcher,
        Projection fields, Spec spec) {

    /** What the client asked for: collection of {@code owner} (null: the connection's experiment). */
    record Spec(String id, String collection, String owner, Document filter, String fields) {
    }

    record Event(String name, String json) {
    }

    String key() {
        return key(scope, collection);
    }

    static String key(String slug, String coll) {
        return slug + "\u0000" + coll;
    }

    /** The event this subscriber gets for a log entry, or null: exactly what a GET by this caller could read. */
    Event event(ChangeLog.Entry e, Map<String, String> jsonCache) {
        if (!scope.equals(e.slug()) || !collection.equals(e.coll())) {
            return null;
        }
        if (ownerOnly != null && !ownerOnly.wrote(e.owner())) {
            return null;
        }
        String head = "{\"sub\":" + quote(id) + ",\"collection\":" + quote(collection);
        if ("delete".equals(e.op()) || e.doc() == null) {
            return new Event("delete", head + ",\"id\":" + idJson(e.id()) + "}");
        }
        if (!matcher.matches(e.doc())) {
            // an updated document that no longer matches leaves the subscriber's view (it may never have been in it)
            return "update".equals(e.op()) ? new Event("delete", head + ",\"id\":" + idJson(e.id()) + ",\"unmatched\":true}") : null;
        }
        boolean hideAuthor = viewer == null ? false : !viewer.wrote(e.owner());
        String doc = jsonCache.computeIfAbsent(fields.key() + (hideAuthor ? "\u0000anon" : ""), k -> {
            Document shown = fields.apply(e.doc());
            if (hideAuthor) {
                shown = new Document(shown);
                shown.remove(AccessLevel.AUTHOR);
            }
            return DocJson.toJson(shown);
        });
        return new Event(e.op(), head + ",\"doc\":" + doc + "}");
    }

    private static String idJson(Object id) {
        String j = DocJson.toJson(new Document("id", id));
        return j.substring(j.indexOf(':') + 1, j.length() - 1).strip();
    }

    static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder(s.length() + 2).append('"');
        for (char c : s.toCharArray()) {
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                default -> {
                    if (c < 0x20) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        return b.append('"').toString();
    }
}
