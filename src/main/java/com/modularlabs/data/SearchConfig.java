package com.modularlabs.data;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;

/** Text search of the data API (GET /experiments/{slug}/api/_search/{coll}?q=). */
@ConfigMapping(prefix = "labs.search")
public interface SearchConfig {
    /**
     * Where the store has no $text (the embedded store), the fallback matches the words case-insensitively over the
     * text index's fields in at most this many of the collection's newest documents.
     */
    @WithDefault("5000")
    int scanBudget();

    /** Results per request: default and maximum. */
    @WithDefault("20")
    int defaultLimit();

    @WithDefault("100")
    int maxLimit();

    /** Longest accepted q, in characters, and the most words it may hold. */
    @WithDefault("200")
    int maxQueryLength();

    @WithDefault("10")
    int maxTerms();
}
