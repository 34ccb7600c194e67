package com.modularlabs.registry;

import java.util.List;
import org.bson.Document;

/** A named, pre-declared aggregation pipeline with typed parameters ({"$param": "name"} placeholders). */
public record QuerySpec(String name, String collection, List<Document> pipeline, Document params, String read) {
}
