package com.modularlabs.observability;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import jakarta.enterprise.inject.Produces;
import jakarta.inject.Singleton;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Keeps /q/metrics bounded however many experiments run (issue 10). Micrometer's percentile histograms give
 * ~70 bucket lines per series; per MongoDB command and collection that grew a scrape to 631 KiB with three
 * experiments. So:
 * <ul>
 * <li>mongodb_driver_commands_seconds: count, sum and max per data command (find, insert, update, aggregate, ...)
 * and collection, i.e. mean and worst latency per collection, no buckets; index and admin commands are summed
 * under collection="_all"; beyond labs.metrics.max-collections distinct collections the label becomes "_other";
 * the constant cluster_id and database labels are dropped.</li>
 * <li>http_server_requests_seconds: a fixed set of 9 buckets (5 ms to 10 s and +Inf; routes are templates, so the
 * series are bounded), including the 0.5 s, 1 s and 2.5 s the latency alert and the dashboard's p99 read; 4xx
 * series (bad input yields many route and status pairs) carry count, sum and max only.</li>
 * </ul>
 */
@Singleton
public class MetricLimits {
    static final String MONGO_COMMANDS = "mongodb.driver.commands";
    static final String HTTP_REQUESTS = "http.server.requests";
    static final String OTHER = "_other";
    static final String ALL = "_all";
    /** Commands whose latency is worth knowing per collection; index and admin commands are summed per command. */
    static final Set<String> DATA_COMMANDS = Set.of("find", "getMore", "insert", "update", "delete", "aggregate", "count",
            "distinct", "findAndModify");
    /** Constant in this service (one client, one database): only bytes in every line. */
    static final Set<String> DROPPED_TAGS = Set.of("cluster.id", "database");
    static final double[] HTTP_BUCKETS_SECONDS = {0.005, 0.025, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0};

    private final Set<String> collections = ConcurrentHashMap.newKeySet();
    private final int maxCollections;

    public MetricLimits(MetricsConfig config) {
        this.maxCollections = config.maxCollections();
    }

    @Produces
    @Singleton
    MeterFilter boundedLatency() {
        return new MeterFilter() {
            @Override
            public Meter.Id map(Meter.Id id) {
                if (!id.getName().equals(MONGO_COMMANDS)) {
                    return id;
                }
                boolean data = DATA_COMMANDS.contains(id.getTag("command"));
                List<Tag> tags = new ArrayList<>();
                for (Tag t : id.getTagsAsIterable()) {
                    if (DROPPED_TAGS.contains(t.getKey())) {
                        continue;
                    }
                    tags.add(t.getKey().equals("collection") ? Tag.of("collection", data ? collectionLabel(t.getValue()) : ALL) : t);
                }
                return id.replaceTags(tags);
            }

            @Override
            public DistributionStatisticConfig configure(Meter.Id id, DistributionStatisticConfig config) {
                if (id.getName().equals(HTTP_REQUESTS) && String.valueOf(id.getTag("status")).startsWith("4")) {
                    // client errors: count, sum and max only (bad input makes many route x status pairs)
                    return DistributionStatisticConfig.builder().percentilesHistogram(false).serviceLevelObjectives()
                            .build().merge(config);
                }
                if (id.getName().equals(HTTP_REQUESTS)) {
                    double[] nanos = new double[HTTP_BUCKETS_SECONDS.length];
                    for (int i = 0; i < nanos.length; i++) {
                        nanos[i] = HTTP_BUCKETS_SECONDS[i] * 1e9; // timers' boundaries are in nanoseconds
                    }
                    return DistributionStatisticConfig.builder().percentilesHistogram(false).serviceLevelObjectives(nanos)
                            .build().merge(config);
                }
                if (id.getName().equals(MONGO_COMMANDS)) {
                    return DistributionStatisticConfig.builder().percentilesHistogram(false).build().merge(config);
                }
                return config;
            }
        };
    }

    /** The collection's own name while fewer than maxCollections were seen (or it is one of them), else "_other". */
    String collectionLabel(String collection) {
        if (collections.contains(collection)) {
            return collection;
        }
        if (collections.size() < maxCollections && collections.add(collection)) {
            return collection;
        }
        return collections.contains(collection) ? collection : OTHER;
    }
}
