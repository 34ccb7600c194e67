package com.modularlabs.registry;

import java.util.Map;
import org.bson.Document;

/**
 * The manifest's access levels of one collection with the contract's defaults filled in: read and create inherit
 * from auth_required (user when set, else public), update and delete default to owner. The one place these
 * defaults live, for the parsed experiment and the public config alike.
 */
public record AccessDefaults(String read, String create, String update, String delete) {
    /** The level an unset read/create (or a query's read) inherits. */
    public static String inherited(boolean authRequired) {
        return authRequired ? "user" : "public";
    }

    /** @param spec the collection's manifest entry; null for a collection only named in managed_indexes */
    public static AccessDefaults of(Document spec, boolean authRequired) {
        Document s = spec == null ? new Document() : spec;
        String inherited = inherited(authRequired);
        return new AccessDefaults(s.get("read", inherited), s.get("create", inherited), s.get("update", "owner"),
                s.get("delete", "owner"));
    }

    public Map<String, String> asMap() {
        return Map.of("read", read, "create", create, "update", update, "delete", delete);
    }
}
