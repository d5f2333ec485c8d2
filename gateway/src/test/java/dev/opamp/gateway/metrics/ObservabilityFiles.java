package dev.opamp.gateway.metrics;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * What {@code grafana/} holds, read the way Grafana and Prometheus read it: the dashboards'
 * panel queries and variable queries, and the alert rules; plus a loose PromQL reader that
 * finds the metric names a query uses.
 */
final class ObservabilityFiles {

  /** Tests run in the gateway module; the repository root is its parent. */
  static final Path ROOT = Path.of("..");
  static final Path GRAFANA = ROOT.resolve("grafana");
  static final Path DASHBOARDS = GRAFANA.resolve("dashboards");
  static final Path ALERTS = GRAFANA.resolve("alerts.yml");
  static final Path ALERT_TESTS = GRAFANA.resolve("alerts-test.yml");
  static final Path PROMETHEUS_CONFIG = GRAFANA.resolve("prometheus.yml");
  static final Path README = ROOT.resolve("README.md");
  /** The scrape job the alert rules and the example configuration name. */
  static final String JOB = "opamp-gateway";

  /** The dashboards the issue asks for; a test checks no other and none fewer. */
  static final List<String> DASHBOARD_FILES = List.of("cluster.json", "fleet-overview.json", "gateway-internals.json");

  /** One query of a dashboard: a panel target, or a template variable's query. */
  record Query(String dashboard, String panel, String refId, String expr) {
    @Override
    public String toString() {
      return dashboard + " / " + panel + " [" + refId + "]: " + expr;
    }
  }

  /** One alert rule, as Prometheus loads it. */
  record AlertRule(String name, String expr, Map<String, Object> labels, Map<String, Object> annotations) {}

  private ObservabilityFiles() {}

  static List<Path> dashboardFiles() {
    try (Stream<Path> files = Files.list(DASHBOARDS)) {
      return files.filter(f -> f.toString().endsWith(".json")).sorted().toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static JsonObject dashboard(Path file) {
    try {
      return new JsonObject(Files.readString(file));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Every panel of a dashboard, those inside collapsed rows included. */
  static List<JsonObject> panels(JsonObject dashboard) {
    List<JsonObject> out = new ArrayList<>();
    for (Object p : dashboard.getJsonArray("panels", new JsonArray())) {
      JsonObject panel = (JsonObject) p;
      out.add(panel);
      for (Object nested : panel.getJsonArray("panels", new JsonArray())) {
        out.add((JsonObject) nested);
      }
    }
    return out;
  }

  /** Every panel target's PromQL, over every dashboard. */
  static List<Query> panelQueries() {
    List<Query> out = new ArrayList<>();
    for (Path file : dashboardFiles()) {
      String name = file.getFileName().toString();
      for (JsonObject panel : panels(dashboard(file))) {
        for (Object t : panel.getJsonArray("targets", new JsonArray())) {
          JsonObject target = (JsonObject) t;
          out.add(new Query(name, panel.getString("title"), target.getString("refId"), target.getString("expr")));
        }
      }
    }
    return out;
  }

  /** Every query-type template variable's query (e.g. {@code label_values(metric, label)}). */
  static List<Query> variableQueries() {
    List<Query> out = new ArrayList<>();
    for (Path file : dashboardFiles()) {
      for (Object v : dashboard(file).getJsonObject("templating").getJsonArray("list")) {
        JsonObject variable = (JsonObject) v;
        if (!"query".equals(variable.getString("type"))) {
          continue;
        }
        Object query = variable.getValue("query");
        String text = query instanceof JsonObject q ? q.getString("query") : String.valueOf(query);
        out.add(new Query(file.getFileName().toString(), "variable " + variable.getString("name"), "-", text));
      }
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  static List<AlertRule> alertRules() {
    Map<String, Object> doc;
    try {
      doc = (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(ALERTS));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    List<AlertRule> out = new ArrayList<>();
    for (Object g : (List<Object>) doc.get("groups")) {
      for (Object r : (List<Object>) ((Map<String, Object>) g).get("rules")) {
        Map<String, Object> rule = (Map<String, Object>) r;
        out.add(new AlertRule((String) rule.get("alert"), String.valueOf(rule.get("expr")).trim(),
            (Map<String, Object>) rule.getOrDefault("labels", Map.of()),
            (Map<String, Object>) rule.getOrDefault("annotations", Map.of())));
      }
    }
    return out;
  }

  private static final Pattern STRING = Pattern.compile("\"(?:[^\"\\\\]|\\\\.)*\"|'(?:[^'\\\\]|\\\\.)*'|`[^`]*`");
  private static final Pattern MATCHERS = Pattern.compile("\\{[^}]*}");
  private static final Pattern GROUPING = Pattern.compile(
      "\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)");
  private static final Pattern IDENTIFIER = Pattern.compile("(?<![\\w$:])[a-zA-Z_:][a-zA-Z0-9_:]*");
  static final List<String> PREFIXES = List.of("opamp_", "jvm_", "process_", "system_", "hazelcast_", "vertx_");

  /**
   * The metric names a PromQL expression (or a Grafana {@code label_values} query) uses, read
   * loosely: strings, label matchers and grouping clauses are dropped, then every identifier
   * with a known prefix, and {@code up}, counts as a metric name.
   */
  static Set<String> metricNames(String promql) {
    String text = STRING.matcher(promql).replaceAll(" ");
    text = MATCHERS.matcher(text).replaceAll(" ");
    text = GROUPING.matcher(text).replaceAll(" ");
    Set<String> names = new LinkedHashSet<>();
    Matcher m = IDENTIFIER.matcher(text);
    while (m.find()) {
      String id = m.group();
      if (id.equals("up") || PREFIXES.stream().anyMatch(id::startsWith)) {
        names.add(id);
      }
    }
    return names;
  }

  /** The PromQL Prometheus is sent for a dashboard query: Grafana's variables filled in. */
  static String substitute(String expr, String node) {
    return expr.replace("${node}", node).replace("$node", node)
        .replace("${__rate_interval}", "30s").replace("$__rate_interval", "30s")
        .replace("${__interval}", "15s").replace("$__interval", "15s");
  }

  /** The first column of the README's Metrics table: the names it documents, in backquotes. */
  static Set<String> documentedMetrics() {
    String readme;
    try {
      readme = Files.readString(README);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    int start = readme.indexOf("\n## Metrics\n");
    if (start < 0) {
      throw new AssertionError("README.md has no '## Metrics' section");
    }
    int end = readme.indexOf("\n## ", start + 1);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    Set<String> names = new LinkedHashSet<>();
    Matcher row = Pattern.compile("(?m)^\\| `([a-z_:]+)`").matcher(section);
    while (row.find()) {
      names.add(row.group(1));
    }
    return names;
  }
}
