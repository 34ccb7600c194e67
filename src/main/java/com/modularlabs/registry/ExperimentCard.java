package com.modularlabs.registry;

import com.fasterxml.jackson.annotation.JsonProperty;

/** One row of GET /api/experiments. */
public record ExperimentCard(String slug, String name, String description, @JsonProperty("auth_required") boolean authRequired,
        String url) {
    public static ExperimentCard of(ExperimentSummary s) {
        return new ExperimentCard(s.slug, s.name, s.description, Boolean.TRUE.equals(s.authRequired), "/experiments/" + s.slug + "/");
    }
}
