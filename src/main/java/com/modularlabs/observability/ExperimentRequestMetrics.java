package com.modularlabs.observability;

import com.modularlabs.registry.ExperimentRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.vertx.ext.web.Router;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.event.Observes;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Per-experiment request meters in a registry of their own (http_server_requests_seconds is tagged by route
 * template, so it cannot tell experiments apart): labs.experiment.requests (a timer whose 0.95 quantile covers about the last minute),
 * labs.experiment.errors by status class and labs.experiment.data.calls. Only slugs of known experiments get a
 * series, so their number is bounded by the registry, not by what clients type.
 */
@ApplicationScoped
public class ExperimentRequestMetrics {
    public static final String REQUESTS = "labs.experiment.requests";
    public static final String ERRORS = "labs.experiment.errors";
    public static final String DATA_CALLS = "labs.experiment.data.calls";
    private static final String PREFIX = "/experiments/";

    /**
     * Kept out of /q/metrics: ~6 series per experiment grew a 100-experiment scrape past its 150 KiB bound
     * (MetricsSizeTest), and the per-route http_server_requests_seconds already serves dashboards.
     */
    private final MeterRegistry meters = new SimpleMeterRegistry();
    @Inject
    ExperimentRegistry registry;

    /** One experiment's meters; the counters are registered at their first increment (no zero lines per experiment). */
    private final class Meters {
        final String slug;
        final Timer requests;
        volatile Counter data;
        volatile Counter clientErrors;
        volatile Counter serverErrors;

        Meters(String slug) {
            this.slug = slug;
            this.requests = Timer.builder(REQUESTS).description("Requests under /experiments/{slug}/ (quantile over about the last minute)")
                    .tag("experiment", slug).publishPercentiles(0.95).percentilePrecision(1)
                    .distributionStatisticExpiry(Duration.ofMinutes(1)).distributionStatisticBufferLength(3).register(meters);
        }

        Counter data() {
            Counter c = data;
            return c != null ? c : (data = Counter.builder(DATA_CALLS).description("Data API calls (collections, queries, search)")
                    .tag("experiment", slug).register(meters));
        }

        Counter errors(boolean server) {
            Counter c = server ? serverErrors : clientErrors;
            if (c == null) {
                c = Counter.builder(ERRORS).description("Responses with an error status").tag("experiment", slug)
                        .tag("status", server ? "5xx" : "4xx").register(meters);
                if (server) {
                    serverErrors = c;
                } else {
                    clientErrors = c;
                }
            }
            return c;
        }
    }

    private final Map<String, Meters> bySlug = new ConcurrentHashMap<>();

    /** The per-experiment meters (read by the admin panel's activity sampler). */
    public MeterRegistry registry() {
        return meters;
    }

    void install(@Observes Router router) {
        router.route().order(-1002).handler(rc -> {
            String path = rc.normalizedPath();
            if (path.startsWith(PREFIX)) {
                int end = path.indexOf('/', PREFIX.length());
                String slug = path.substring(PREFIX.length(), end < 0 ? path.length() : end);
                if (registry.snapshot().find(slug).isPresent()) {
                    boolean data = end >= 0 && isDataCall(path.substring(end));
                    long start = System.nanoTime();
                    rc.addEndHandler(v -> record(slug, data, rc.response().getStatusCode(), System.nanoTime() - start));
                }
            }
            rc.next();
        });
    }

    /** /api/{coll}..., /api/_queries/..., /api/_search/..., /api/_shared/...: not functions, realtime or API docs. */
    static boolean isDataCall(String rest) {
        if (!rest.startsWith("/api/")) {
            return false;
        }
        String r = rest.substring(5);
        return !r.isEmpty() && !r.startsWith("_functions") && !r.startsWith("_realtime") && !r.startsWith("openapi.");
    }

    void record(String slug, boolean data, int status, long nanos) {
        Meters m = bySlug.computeIfAbsent(slug, Meters::new);
        m.requests.record(nanos, TimeUnit.NANOSECONDS);
        if (data) {
            m.data().increment();
        }
        if (status >= 400) {
            m.errors(status >= 500).increment();
        }
    }
}
