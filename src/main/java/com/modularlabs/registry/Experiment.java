package com.modularlabs.registry;

import io.quarkus.qute.TemplateData;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.bson.Document;

/**
 * One validated experiment as the engine serves it; immutable, part of a {@link RegistrySnapshot}.
 *
 * @param dataScope   resolved read scopes ("self" replaced by the slug)
 * @param root        folder holding static/ and seed/ (the experiments folder or an unpacked bundle)
 * @param config      the stored config document (manifest + engine fields), for admin and export
 */
@TemplateData // native-ready: Qute value resolvers generated at build time
public record Experiment(String slug, String name, String description, String status, boolean authRequired,
        List<String> allowedRoles, List<String> allowedUsers, List<String> dataScope,
        Map<String, CollectionSpec> collections, List<IndexSpec> indexes, Map<String, QuerySpec> queries,
        long version, Path root, Document config) {

    public static final String ACTIVE = "active";

    public boolean isActive() {
        return ACTIVE.equals(status);
    }

    public Path staticRoot() {
        return root.resolve("static");
    }

    public String url() {
        return "/experiments/" + slug + "/";
    }
}
