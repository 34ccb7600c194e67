package com.modularlabs.registry;

import io.quarkus.qute.TemplateData;
import com.networknt.schema.JsonSchema;

/**
 * A collection exposed by the data API: physical name {@code <slug>_<name>}, access level per operation
 * (public, user, role:&lt;r&gt;, owner, admin, none), and an optional compiled JSON Schema for documents.
 */
@TemplateData // native-ready: Qute value resolvers generated at build time
public record CollectionSpec(String name, String physicalName, String read, String create, String update, String delete,
        JsonSchema schema, Integer maxDocumentBytes) {
}
