package com.modularlabs.admin;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import com.modularlabs.observability.ExperimentRequestMetrics;
import com.modularlabs.registry.ExperimentRegistry;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.ValueAtPercentile;
import io.quarkus.scheduler.Scheduled;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * Per-experiment activity for the admin panel, read from the service's own meters: a ring buffer per experiment of
 * the last {@code labs.admin.activity.samples} interval samples (deltas of the counters, the p95 and subscribers at
 * the time), fed by a scheduled sampler. Memory is bounded: samples x experiments in the registry.
 */
@ApplicationScoped
public class ActivitySampler {
    /** Running totals of one experiment's meters at one moment. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Totals(long requests, long errors, long serverErrors, long dataCalls, long functionCalls, int subscribers,
            double p95Millis) {
    }

    /** One chart point: what happened during the interval ending at {@code at} (epoch millis). */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Sample(long at, long requests, long errors, long dataCalls, long functionCalls, int subscribers, double p95Millis) {
    }

    /** A fixed-size ring of samples and the totals the last one was computed from. */
    static final class Ring {
        private final Sample[] items;
        private int next;
        private int size;
        volatile Totals last;

        Ring(int capacity) {
            items = new Sample[capacity];
        }

        synchronized void add(Sample s) {
            items[next] = s;
            next = (next + 1) % items.length;
            size = Math.min(size + 1, items.length);
        }

        synchronized List<Sample> list() {
            List<Sample> out = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                out.add(items[(next - size + i + items.length) % items.length]);
            }
            return out;
        }
    }

    @Inject
    MeterRegistry meters;
    @Inject
    ExperimentRequestMetrics requestMeters;
    @Inject
    ExperimentRegistry registry;
    @Inject
    AdminConfig config;

    private final Map<String, Ring> rings = new ConcurrentHashMap<>();

    @Scheduled(every = "${labs.admin.activity.interval:60s}", delayed = "${labs.admin.activity.interval:60s}",
            concurrentExecution = Scheduled.ConcurrentExecution.SKIP)
    void sample() {
        long now = System.currentTimeMillis();
        Set<String> slugs = registry.snapshot().experiments().keySet();
        rings.keySet().retainAll(slugs); // deleted experiments drop their buffers
        for (String slug : slugs) {
            Ring ring = rings.computeIfAbsent(slug, k -> new Ring(Math.max(1, config.activity().samples())));
            Totals t = totals(slug);
            // a new buffer counts from zero: the meters start at an experiment's first request, so everything they
            // hold happened within this first interval (taking them as the baseline would drop it from the chart)
            Totals prev = ring.last == null ? new Totals(0, 0, 0, 0, 0, 0, 0) : ring.last;
            ring.last = t;
            ring.add(delta(now, prev, t));
        }
    }

    static Sample delta(long at, Totals prev, Totals t) {
        // counters only grow; a smaller value means the meter was re-created, so count from zero
        return new Sample(at, grow(prev.requests(), t.requests()), grow(prev.errors(), t.errors()), grow(prev.dataCalls(), t.dataCalls()),
                grow(prev.functionCalls(), t.functionCalls()), t.subscribers(), t.p95Millis());
    }

    private static long grow(long before, long after) {
        return after >= before ? after - before : after;
    }

    /** The samples kept for an experiment, oldest first, and the interval still in progress (since the last sample). */
    public List<Sample> samples(String slug) {
        Ring ring = rings.get(slug);
        return ring == null ? List.of() : ring.list();
    }

    public Sample current(String slug) {
        Ring ring = rings.get(slug);
        Totals t = totals(slug);
        return delta(System.currentTimeMillis(), ring == null || ring.last == null ? new Totals(0, 0, 0, 0, 0, 0, 0) : ring.last, t);
    }

    /** Reads the experiment's meters now (0 for meters that do not exist yet). */
    public Totals totals(String slug) {
        Timer timer = requestMeters.registry().find(ExperimentRequestMetrics.REQUESTS).tag("experiment", slug).timer();
        long requests = timer == null ? 0 : timer.count();
        double p95 = 0;
        if (timer != null) {
            for (ValueAtPercentile v : timer.takeSnapshot().percentileValues()) {
                if (v.percentile() == 0.95) {
                    p95 = v.value(TimeUnit.MILLISECONDS);
                }
            }
        }
        long errors = 0;
        long serverErrors = 0;
        for (Counter c : requestMeters.registry().find(ExperimentRequestMetrics.ERRORS).tag("experiment", slug).counters()) {
            errors += (long) c.count();
            if ("5xx".equals(c.getId().getTag("status"))) {
                serverErrors += (long) c.count();
            }
        }
        long data = sum(requestMeters.registry().find(ExperimentRequestMetrics.DATA_CALLS).tag("experiment", slug).counters());
        long functions = sum(meters.find("labs.function.calls").tag("experiment", slug).counters());
        Gauge subs = meters.find("labs.realtime.subscribers").tag("experiment", slug).gauge();
        return new Totals(requests, errors, serverErrors, data, functions, subs == null ? 0 : (int) subs.value(), Math.round(p95 * 10) / 10.0);
    }

    private static long sum(Iterable<Counter> counters) {
        long n = 0;
        for (Counter c : counters) {
            n += (long) c.count();
        }
        return n;
    }
}
