package com.modularlabs.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * deploy/grafana and deploy/prometheus: the dashboard and the alert rules are well formed, and every
 * metric they use is listed in src/test/resources/deploy/required-metrics.txt (which a scrape test of a
 * running instance compares with /q/metrics).
 *
 * <p>Regenerate the list after changing a rule or a panel:
 * {@code ./mvnw test -Dtest=DashboardAndRulesTest -Ddeploy.writeRequiredMetrics=true}.
 */
class DashboardAndRulesTest {

    static final Path DASHBOARD = DeployFiles.DEPLOY.resolve("grafana/modular-labs-dashboard.json");
    static final Path ALERTS = DeployFiles.DEPLOY.resolve("prometheus/alerts.yml");
    static final Path ALERT_TESTS = DeployFiles.DEPLOY.resolve("prometheus/alerts_test.yml");
    static final Path PROMETHEUS_CONFIG = DeployFiles.DEPLOY.resolve("prometheus/prometheus.yml");
    static final Path REQUIRED = DeployFiles.ROOT.resolve("src/test/resources/deploy/required-metrics.txt");

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void dashboardIsWellFormed() throws IOException {
        JsonNode d = JSON.readTree(DASHBOARD.toFile());
        List<String> errors = new ArrayList<>();
        if (d.path("schemaVersion").asInt() != 39) {
            errors.add("schemaVersion must be 39");
        }
        if (d.path("uid").asText().isBlank() || d.path("title").asText().isBlank()) {
            errors.add("uid and title required");
        }
        JsonNode dsVar = null;
        for (JsonNode v : d.path("templating").path("list")) {
            if ("datasource".equals(v.path("name").asText())) {
                dsVar = v;
            }
        }
        if (dsVar == null || !"datasource".equals(dsVar.path("type").asText()) || !"prometheus".equals(dsVar.path("query").asText())) {
            errors.add("templating needs a variable `datasource` of type datasource, query prometheus");
        }
        Set<Integer> ids = new HashSet<>();
        int panels = 0;
        for (JsonNode p : d.path("panels")) {
            panels++;
            String where = "panel " + p.path("id") + " \"" + p.path("title").asText() + "\"";
            if (!ids.add(p.path("id").asInt(-1)) || p.path("id").asInt(-1) < 1) {
                errors.add(where + ": id missing or duplicated");
            }
            if (p.path("title").asText().isBlank() || p.path("type").asText().isBlank()) {
                errors.add(where + ": title and type required");
            }
            JsonNode g = p.path("gridPos");
            if (!g.has("x") || !g.has("y") || !g.has("w") || !g.has("h") || g.path("x").asInt() + g.path("w").asInt() > 24) {
                errors.add(where + ": gridPos x, y, w, h within 24 columns required");
            }
            if (!"${datasource}".equals(p.path("datasource").path("uid").asText())) {
                errors.add(where + ": datasource uid must be ${datasource}");
            }
            int exprs = 0;
            Set<String> refIds = new HashSet<>();
            for (JsonNode t : p.path("targets")) {
                if (!t.path("expr").asText().isBlank()) {
                    exprs++;
                }
                if (!refIds.add(t.path("refId").asText())) {
                    errors.add(where + ": duplicate refId " + t.path("refId"));
                }
            }
            if (exprs == 0) {
                errors.add(where + ": no target with an expr");
            }
        }
        assertTrue(panels >= 15, "expected the dashboard's panels, found " + panels);
        DeployManifestsTest.assertNoErrors(errors);
    }

    @Test
    void dashboardCoversTheIssuesPanels() throws IOException {
        String all = String.join("\n", dashboardExpressions().values());
        for (String needle : List.of("http_server_requests_seconds_count", "http_server_requests_seconds_bucket", "by (uri",
                "mongodb_driver_commands_seconds", "by (command, collection)", "labs_mongodb_slow_commands_total",
                "mongodb_driver_pool_size", "mongodb_driver_pool_checkedout", "mongodb_driver_pool_waitqueuesize",
                "cache_gets_total", "by (cache)", "labs_eventloop_lag_seconds_max", "labs_eventloop_lag_seconds{",
                "quantile=\"0.99\"", "by (loop)", "labs_eventloop_blocked_total", "jvm_memory_used_bytes",
                "labs_export_bytes_total", "labs_export_duration_seconds", "labs_auth_logins_total", "by (result)",
                "labs_experiments{", "by (status)", "labs_index_builds_in_flight", "labs_index_builds_total")) {
            assertTrue(all.contains(needle), "no dashboard panel uses " + needle);
        }
    }

    @Test
    void everyAlertRuleIsComplete() {
        List<String> errors = new ArrayList<>();
        Set<String> names = new HashSet<>();
        List<Map<String, Object>> rules = rules();
        for (Map<String, Object> r : rules) {
            String name = String.valueOf(r.get("alert"));
            if (r.get("alert") == null || !names.add(name)) {
                errors.add("rule without alert name, or duplicate: " + r);
                continue;
            }
            if (String.valueOf(r.getOrDefault("expr", "")).isBlank()) {
                errors.add(name + ": no expr");
            }
            if (r.get("for") == null || !String.valueOf(r.get("for")).matches("(\\d+[smhdwy])+")) {
                errors.add(name + ": `for` must be a Prometheus duration");
            }
            Map<String, Object> labels = DeployManifestsTest.asMap(r.getOrDefault("labels", Map.of()));
            if (!Set.of("critical", "warning", "info").contains(String.valueOf(labels.get("severity")))) {
                errors.add(name + ": labels.severity must be critical, warning or info");
            }
            Map<String, Object> ann = DeployManifestsTest.asMap(r.getOrDefault("annotations", Map.of()));
            if (String.valueOf(ann.getOrDefault("summary", "")).isBlank()) {
                errors.add(name + ": annotations.summary required");
            }
        }
        DeployManifestsTest.assertNoErrors(errors);
        String all = rules.stream().map(r -> String.valueOf(r.get("expr"))).collect(Collectors.joining("\n"));
        for (String needle : List.of("up{job=~\"modular-labs.*\"}", "absent(", "http_server_requests_seconds_bucket",
                "status=~\"5..\"", "labs_mongodb_slow_commands_total", "labs_eventloop_lag_seconds_max",
                "labs_eventloop_blocked_total", "mongodb_driver_pool_waitqueuesize", "labs_index_builds_total{")) {
            assertTrue(all.contains(needle), "no alert rule uses " + needle);
        }
    }

    /** Keeps required-metrics.txt exactly the set of metrics that rules and panels use (no missing, no stale name). */
    @Test
    void requiredMetricsListMatchesRulesAndPanels() throws IOException {
        List<String> expressions = new ArrayList<>();
        rules().forEach(r -> expressions.add(String.valueOf(r.get("expr"))));
        expressions.addAll(dashboardExpressions().values());
        Set<String> used = new TreeSet<>(MetricNames.requiredBaseNames(expressions));
        JsonNode d = JSON.readTree(DASHBOARD.toFile());
        for (JsonNode v : d.path("templating").path("list")) {
            if ("query".equals(v.path("type").asText())) {
                String q = v.path("query").isObject() ? v.path("query").path("query").asText() : v.path("query").asText();
                MetricNames.metricsInVariableQuery(q).stream().filter(n -> !MetricNames.PROMETHEUS_SYNTHETIC.contains(n))
                        .map(MetricNames::baseName).forEach(used::add);
            }
        }

        if (Boolean.getBoolean("deploy.writeRequiredMetrics")) {
            Files.writeString(REQUIRED, header() + String.join("\n", used) + "\n", StandardCharsets.UTF_8);
        }
        Set<String> listed = MetricNames.parseList(Files.readString(REQUIRED, StandardCharsets.UTF_8));
        Set<String> missing = new TreeSet<>(used);
        missing.removeAll(listed);
        Set<String> stale = new TreeSet<>(listed);
        stale.removeAll(used);
        assertTrue(missing.isEmpty() && stale.isEmpty(), "required-metrics.txt is out of date (regenerate with "
                + "-Ddeploy.writeRequiredMetrics=true): missing " + missing + ", no longer used " + stale);
        if (!Boolean.getBoolean("deploy.writeRequiredMetrics")) { // the classpath copy is refreshed by the next build
            assertEquals(listed, MetricNames.required(), "the classpath copy of required-metrics.txt differs (run a build)");
        }
    }

    @Test
    void alertRulesAndConfigPassPromtool() {
        Optional<Path> promtool = DeployFiles.onPath("promtool");
        assumeTrue(promtool.isPresent(), "promtool not on PATH (Debian package prometheus): rules not checked by promtool");
        for (List<String> args : List.of(List.of("check", "rules", ALERTS.toString()),
                List.of("check", "config", PROMETHEUS_CONFIG.toString()),
                List.of("test", "rules", ALERT_TESTS.toString()))) {
            List<String> cmd = new ArrayList<>();
            cmd.add(promtool.get().toString());
            cmd.addAll(args);
            DeployFiles.Result r = DeployFiles.run(cmd);
            assertEquals(0, r.exitCode(), "promtool " + String.join(" ", args) + ":\n" + r.output());
        }
    }

    /** Dashboard queries are PromQL too: promtool parses them as recording rules (Grafana variables substituted). */
    @Test
    void dashboardQueriesParseAsPromql() throws IOException {
        Optional<Path> promtool = DeployFiles.onPath("promtool");
        assumeTrue(promtool.isPresent(), "promtool not on PATH: dashboard PromQL not parsed");
        StringBuilder rules = new StringBuilder("groups:\n  - name: dashboard\n    rules:\n");
        for (Map.Entry<String, String> e : dashboardExpressions().entrySet()) {
            String expr = e.getValue().replace("$__rate_interval", "5m").replace("$__interval", "1m")
                    .replace("${datasource}", "x").replaceAll("\\$\\{?(\\w+)}?", ".*");
            rules.append("      - record: ").append(e.getKey()).append('\n')
                    .append("        expr: ").append(JSON.writeValueAsString(expr)).append('\n');
        }
        Path tmp = Files.createTempFile("dashboard-rules", ".yml");
        try {
            Files.writeString(tmp, rules.toString(), StandardCharsets.UTF_8);
            DeployFiles.Result r = DeployFiles.run(List.of(promtool.get().toString(), "check", "rules", tmp.toString()));
            assertEquals(0, r.exitCode(), "dashboard PromQL:\n" + r.output() + "\n" + rules);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    // ------------------------------------------------------------------------------------------------

    static List<Map<String, Object>> rules() {
        Map<String, Object> doc = DeployFiles.loadMap(ALERTS);
        List<Map<String, Object>> out = new ArrayList<>();
        List<Map<String, Object>> groups = DeployManifestsTest.maps(doc.get("groups"));
        assertTrue(!groups.isEmpty(), "alerts.yml has no groups");
        for (Map<String, Object> g : groups) {
            out.addAll(DeployManifestsTest.maps(g.get("rules")));
        }
        return out;
    }

    /** Recording-rule-safe key (dashboard:panel_3_A) to expression, for every panel target. */
    static Map<String, String> dashboardExpressions() throws IOException {
        Map<String, String> out = new LinkedHashMap<>();
        for (JsonNode p : JSON.readTree(DASHBOARD.toFile()).path("panels")) {
            for (JsonNode t : p.path("targets")) {
                if (!t.path("expr").asText().isBlank()) {
                    out.put("dashboard:panel_" + p.path("id").asInt() + "_" + t.path("refId").asText(), t.path("expr").asText());
                }
            }
        }
        return out;
    }

    private static String header() {
        return "# Metrics that deploy/prometheus/alerts.yml and deploy/grafana/modular-labs-dashboard.json use: one base name a\n"
                + "# line. A running instance must expose each one in /q/metrics, as the name itself or the name plus one of\n"
                + "# _bucket _count _sum _max _total _created (see MetricNames.missingFrom). Series made by Prometheus (up) are\n"
                + "# left out. Generated by DashboardAndRulesTest with -Ddeploy.writeRequiredMetrics=true; the test fails when\n"
                + "# this list and the rules/panels disagree.\n";
    }
}
