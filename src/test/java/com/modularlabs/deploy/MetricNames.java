package com.modularlabs.deploy;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Metric names used by the alert rules and the Grafana dashboard, and the list of them that a running
 * instance must expose ({@code src/test/resources/deploy/required-metrics.txt}).
 *
 * <p>A scrape test (a {@code @QuarkusTest} of the service) can check an instance with
 * {@code MetricNames.missingFrom(MetricNames.required(), scrapeOfQMetrics)}.
 */
public final class MetricNames {

    /** Classpath location of the list (src/test/resources/deploy/required-metrics.txt). */
    public static final String REQUIRED_RESOURCE = "/deploy/required-metrics.txt";

    /**
     * Suffixes that Prometheus exposition adds to a base name (histograms, summaries, Micrometer's
     * {@code _max}, counters' {@code _total}, OpenMetrics' {@code _created}).
     */
    public static final List<String> SUFFIXES = List.of("_bucket", "_count", "_sum", "_max", "_total", "_created");

    /** Series that Prometheus itself produces: never exposed by the service, so never required. */
    public static final Set<String> PROMETHEUS_SYNTHETIC = Set.of(
            "up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_samples_post_metric_relabeling",
            "scrape_series_added", "ALERTS", "ALERTS_FOR_STATE");

    /** PromQL words that look like identifiers but are not metric names (functions are recognised by "("). */
    static final Set<String> PROMQL_KEYWORDS = Set.of(
            "by", "without", "on", "ignoring", "group_left", "group_right", "bool", "and", "or", "unless",
            "offset", "inf", "nan", "Inf", "NaN", "start", "end");

    private static final Pattern STRING_LITERAL = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
    private static final Pattern GRAFANA_VARIABLE = Pattern.compile("\\$\\{[^}]*}|\\$\\w+|\\[\\[\\w+]]");
    private static final Pattern LABEL_MATCHERS = Pattern.compile("\\{[^}]*}");
    private static final Pattern RANGE = Pattern.compile("\\[[^]]*]");
    private static final Pattern GROUPING = Pattern.compile(
            "\\b(?:by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
    private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w:.])([a-zA-Z_:][a-zA-Z0-9_:]*)(?![\\w:])");
    private static final Pattern LABEL_VALUES = Pattern.compile("^\\s*label_values\\((.*),\\s*[a-zA-Z_][a-zA-Z0-9_]*\\s*\\)\\s*$", Pattern.DOTALL);
    private static final Pattern QUERY_RESULT = Pattern.compile("^\\s*query_result\\((.*)\\)\\s*$", Pattern.DOTALL);

    private MetricNames() {
    }

    /** The metric names (as written, suffixes included) that a PromQL expression selects. */
    public static Set<String> metricsIn(String promql) {
        String s = STRING_LITERAL.matcher(promql).replaceAll(" ");
        s = GRAFANA_VARIABLE.matcher(s).replaceAll(" ");
        s = LABEL_MATCHERS.matcher(s).replaceAll(" ");
        s = RANGE.matcher(s).replaceAll(" ");
        s = GROUPING.matcher(s).replaceAll(" ");
        Set<String> names = new LinkedHashSet<>();
        Matcher m = IDENTIFIER.matcher(s);
        while (m.find()) {
            String id = m.group(1);
            int next = m.end();
            while (next < s.length() && Character.isWhitespace(s.charAt(next))) {
                next++;
            }
            boolean isCall = next < s.length() && s.charAt(next) == '(';
            if (!isCall && !PROMQL_KEYWORDS.contains(id)) {
                names.add(id);
            }
        }
        return names;
    }

    /** The metric names in a Grafana template-variable query ({@code label_values(metric, label)}, {@code query_result(expr)}). */
    public static Set<String> metricsInVariableQuery(String query) {
        Matcher lv = LABEL_VALUES.matcher(query);
        if (lv.matches()) {
            return metricsIn(lv.group(1));
        }
        Matcher qr = QUERY_RESULT.matcher(query);
        if (qr.matches()) {
            return metricsIn(qr.group(1));
        }
        return Set.of(); // label_values(label), label_names(), metrics(regex): no metric selected
    }

    /** The base name of a series name: one exposition suffix removed ({@code x_seconds_bucket} to {@code x_seconds}). */
    public static String baseName(String name) {
        for (String suffix : SUFFIXES) {
            if (name.endsWith(suffix) && name.length() > suffix.length()) {
                return name.substring(0, name.length() - suffix.length());
            }
        }
        return name;
    }

    /** Base names of every metric in the expressions, minus the ones Prometheus synthesises. */
    public static Set<String> requiredBaseNames(Collection<String> expressions) {
        Set<String> out = new TreeSet<>();
        for (String expr : expressions) {
            for (String name : metricsIn(expr)) {
                if (!PROMETHEUS_SYNTHETIC.contains(name)) {
                    out.add(baseName(name));
                }
            }
        }
        return out;
    }

    /** The list in {@value #REQUIRED_RESOURCE}: one base name a line, {@code #} comments and blank lines ignored. */
    public static Set<String> required() {
        try (InputStream in = MetricNames.class.getResourceAsStream(REQUIRED_RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(REQUIRED_RESOURCE + " is not on the test classpath");
            }
            return parseList(new String(in.readAllBytes(), StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static Set<String> parseList(String text) {
        Set<String> out = new TreeSet<>();
        for (String line : text.split("\\R")) {
            String t = line.strip();
            if (!t.isEmpty() && !t.startsWith("#")) {
                out.add(t);
            }
        }
        return out;
    }

    /**
     * The required base names that a Prometheus text exposition (a scrape of {@code /q/metrics}) lacks.
     * A base name is present when a sample's name equals it, or equals it plus one of {@link #SUFFIXES}
     * (so {@code labs_index_builds} is not satisfied by {@code labs_index_builds_in_flight} alone).
     */
    public static Set<String> missingFrom(Collection<String> required, String exposition) {
        Set<String> exposed = new LinkedHashSet<>();
        for (String line : exposition.split("\\R")) {
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && !Character.isWhitespace(line.charAt(end))) {
                end++;
            }
            exposed.add(line.substring(0, end));
        }
        Set<String> missing = new TreeSet<>();
        for (String base : required) {
            boolean found = exposed.contains(base) || SUFFIXES.stream().anyMatch(sfx -> exposed.contains(base + sfx));
            if (!found) {
                missing.add(base);
            }
        }
        return missing;
    }
}
