package com.modularlabs.registry;

import org.bson.Document;

/** A managed index from the manifest, with its physical collection and index names. */
public record IndexSpec(String collection, String physicalCollection, String name, String physicalName, String type,
        Document keys, Document options, Document definition) {

    public boolean isAtlasOnly() {
        return type.equals("search") || type.equals("vectorSearch") || type.equals("hybrid");
    }
}
