package com.modularlabs.data;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.util.Optional;

/** Limits of the data API (contract section 8); every value configurable. */
@ConfigMapping(prefix = "labs.data")
public interface DataConfig {
    /** maxTimeMS of every find, count, update and aggregate. */
    @WithDefault("5000")
    long maxTimeMs();

    @WithDefault("50")
    int defaultLimit();

    @WithDefault("1000")
    int maxLimit();

    /** Most documents in one bulk insert; a larger array is refused whole. */
    @WithDefault("1000")
    int maxBulk();

    /** Default document size limit (BSON bytes) when the collection declares no max_document_bytes. */
    @WithDefault("65536")
    int documentBytes();

    @WithDefault("10")
    int filterDepth();

    @WithDefault("1000")
    int regexLength();

    @WithDefault("10")
    int sortFields();

    /** Cursor batch size of every find and aggregate. */
    @WithDefault("200")
    int batchSize();

    @WithDefault("50")
    int pipelineStages();

    /**
     * Refuse regexes that could backtrack catastrophically before they reach the store (see RegexGuard). Keep it on
     * for the embedded store, which matches with java.util.regex and ignores maxTimeMS.
     */
    @WithDefault("true")
    boolean regexStrict();

    /** Units of work (comparisons, matches, traversed elements) one PATCH update may take to evaluate. */
    @WithDefault("5000000")
    long updateSteps();

    /** Key of the checksum that makes list cursors tamper-evident; unset: derived from the token signing secret. */
    Optional<String> cursorSecret();
}
