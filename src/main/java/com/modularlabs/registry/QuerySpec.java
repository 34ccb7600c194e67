package com.modularlabs.registry;

import io.quarkus.qute.TemplateData;
import java.util.List;
import org.bson.Document;

/** A named, pre-declared aggregation pipeline with typed parameters ({"$param": "name"} placeholders). */
@TemplateData // native-ready: Qute value resolvers generated at build time
public record QuerySpec(String name, String collection, List<Document> pipeline, Document params, String read) {
}
