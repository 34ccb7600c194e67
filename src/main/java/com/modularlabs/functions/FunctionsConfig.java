package com.modularlabs.functions;

import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/** Operator settings of experiment functions and triggers (docs/functions.md). */
@ConfigMapping(prefix = "labs.functions")
public interface FunctionsConfig {
    /**
     * Hosts functions may live on: exact names or IP literals, or "*.suffix" for a domain. Anything else in a
     * manifest is refused at load and at call time; addresses a name resolves to are checked too (link-local and
     * wildcard addresses never pass unless listed as literals).
     */
    @WithDefault("localhost,127.0.0.1,::1,*.svc,*.svc.cluster.local")
    List<String> allowedHosts();

    /** Base URLs for function URLs given as paths, one "slug=http://host:port" entry per experiment. */
    Optional<List<String>> baseUrls();

    /** Where functions reach the data API (passed to them in X-Labs-Api); default http://127.0.0.1:<http port>. */
    Optional<String> engineUrl();

    @WithDefault("10S")
    Duration defaultTimeout();

    /** Upper bound of a manifest's timeout_ms. */
    @WithDefault("60S")
    Duration maxTimeout();

    @WithDefault("1048576")
    int defaultBodyBytes();

    /** Upper bound of a manifest's max_body_bytes. */
    @WithDefault("1048576")
    int maxBodyBytes();

    /** Calls in flight per experiment (all its functions and triggers); more get 503 at once. */
    @WithDefault("16")
    int concurrencyPerExperiment();

    /** Consecutive failures (5xx, timeouts, broken answers) that open a function's circuit. */
    @WithDefault("5")
    int breakerFailures();

    /** How long an open circuit refuses calls before one trial call is let through. */
    @WithDefault("30S")
    Duration breakerOpen();

    /** Lifetime of the signed call assertion and of the data token passed to a function. */
    @WithDefault("60S")
    Duration tokenLifetime();

    /**
     * How long one signed assertion (and data token) is reused for calls of the same user to the same function:
     * an ES256 signature costs ~0.5 ms of CPU on JDK 17. Capped at half the token lifetime; 0 signs every call.
     */
    @WithDefault("20S")
    Duration assertionReuse();

    /** A new signing key is made when the newest is older than this. */
    @WithDefault("7D")
    Duration keyRotation();

    /** A new key is published in the JWKS this long before it signs anything (functions cache the JWKS less long). */
    @WithDefault("10M")
    Duration keyPublishLead();

    /** after_write deliveries: attempts before a delivery is kept as failed. */
    @WithDefault("6")
    int triggerAttempts();

    /** after_write deliveries: first retry delay, doubled per attempt up to trigger-max-backoff. */
    @WithDefault("1S")
    Duration triggerBackoff();

    @WithDefault("5M")
    Duration triggerMaxBackoff();

    /** How often each replica looks for due after_write deliveries (also read by the scheduler expression). */
    @WithDefault("1s")
    Duration triggerPoll();
}
