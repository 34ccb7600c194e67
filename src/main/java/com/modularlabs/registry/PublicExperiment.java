package com.modularlabs.registry;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** What any caller with access may see of an experiment's config: no storage keys, no g.nome runtime fields. */
public record PublicExperiment(String slug, String name, String description, String status,
        @JsonProperty("auth_required") boolean authRequired, @JsonProperty("data_scope") List<String> dataScope,
        Map<String, Map<String, String>> collections, List<String> queries, String url) {
}
