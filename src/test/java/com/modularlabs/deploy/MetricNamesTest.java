package com.modularlabs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Set;

import org.junit.jupiter.api.Test;

/** The PromQL name extraction that keeps required-metrics.txt true. */
class MetricNamesTest {

    @Test
    void extractsSelectorsAndIgnoresFunctionsLabelsAndKeywords() {
        assertEquals(Set.of("http_server_requests_seconds_bucket"), MetricNames.metricsIn(
                "histogram_quantile(0.99, sum by (job, uri, le) (rate(http_server_requests_seconds_bucket{job=~\"modular-labs.*\", uri!=\"a b\"}[5m]))) > 1"));
        assertEquals(Set.of("a_total", "b_count"), MetricNames.metricsIn(
                "sum without(instance)(rate(a_total[5m])) / on (job) group_left(version) sum(rate(b_count{x=\"y\"}[$__rate_interval] offset 1h)) > bool 1e3"));
        assertEquals(Set.of("labs_eventloop_lag_seconds_max"), MetricNames.metricsIn("max(labs_eventloop_lag_seconds_max)"));
        assertEquals(Set.of("up"), MetricNames.metricsIn("absent(up{job=~\"modular-labs.*\"} == 1)"));
        assertEquals(Set.of("x"), MetricNames.metricsIn("x{job=~\"$job\", instance=~\"${instance}\"} and x unless x"));
    }

    @Test
    void extractsFromGrafanaVariableQueries() {
        assertEquals(Set.of("http_server_requests_seconds_count"),
                MetricNames.metricsInVariableQuery("label_values(http_server_requests_seconds_count{job=~\"$job\"}, instance)"));
        assertEquals(Set.of(), MetricNames.metricsInVariableQuery("label_values(job)"));
        assertEquals(Set.of("jvm_info"), MetricNames.metricsInVariableQuery("query_result(count by (version) (jvm_info))"));
    }

    @Test
    void baseNamesDropOneExpositionSuffixAndSyntheticSeries() {
        assertEquals("http_server_requests_seconds", MetricNames.baseName("http_server_requests_seconds_bucket"));
        assertEquals("cache_gets", MetricNames.baseName("cache_gets_total"));
        assertEquals("labs_index_builds_in_flight", MetricNames.baseName("labs_index_builds_in_flight"));
        assertEquals(Set.of("labs_eventloop_lag_seconds"), MetricNames.requiredBaseNames(List.of(
                "max(labs_eventloop_lag_seconds_max) > 0 and labs_eventloop_lag_seconds{quantile=\"0.99\"}", "up == 0")));
    }

    @Test
    void scrapeCheckNeedsTheNameItselfOrASuffix() {
        String scrape = """
                # TYPE labs_index_builds_in_flight gauge
                labs_index_builds_in_flight 0.0
                labs_experiments{status="active"} 3.0
                http_server_requests_seconds_bucket{le="0.1",uri="/"} 4
                """;
        assertEquals(Set.of("labs_index_builds"), MetricNames.missingFrom(
                List.of("labs_index_builds", "labs_index_builds_in_flight", "labs_experiments", "http_server_requests_seconds"), scrape));
    }
}
