package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The files of {@code grafana/} are what Grafana and Prometheus expect: dashboards with a
 * datasource variable and a node variable, every query through that datasource and filtered by
 * node, panels that do not overlap; provisioning files; an example scrape configuration.
 */
class DashboardFilesTest {

  private static final String DATASOURCE = "${datasource}";

  @Test
  void theThreeDashboardsAreThere() {
    List<String> names = ObservabilityFiles.dashboardFiles().stream().map(p -> p.getFileName().toString()).toList();
    assertEquals(ObservabilityFiles.DASHBOARD_FILES, names);
  }

  @Test
  void everyDashboardHasItsVariablesAndAUniqueUid() {
    Set<String> uids = new HashSet<>();
    for (Path file : ObservabilityFiles.dashboardFiles()) {
      JsonObject d = ObservabilityFiles.dashboard(file);
      assertTrue(uids.add(d.getString("uid")), "duplicate uid in " + file);
      assertTrue(d.getString("title").startsWith("OpAMP gateway / "), file + ": title");
      assertTrue(d.getInteger("schemaVersion") >= 36, file + ": schemaVersion");
      assertEquals(null, d.getValue("id"), file + ": id must be null for provisioning");
      JsonArray variables = d.getJsonObject("templating").getJsonArray("list");
      JsonObject ds = variable(variables, "datasource", file);
      assertEquals("datasource", ds.getString("type"), file + ": datasource variable type");
      assertEquals("prometheus", ds.getString("query"), file + ": datasource variable plugin");
      JsonObject node = variable(variables, "node", file);
      assertEquals("query", node.getString("type"));
      assertEquals(DATASOURCE, node.getJsonObject("datasource").getString("uid"));
      assertTrue(node.getBoolean("includeAll") && node.getBoolean("multi"), file + ": node variable is multi with All");
      assertEquals(".*", node.getString("allValue"));
    }
  }

  @Test
  void everyPanelQueriesThroughTheVariablesAndNothingOverlaps() {
    for (Path file : ObservabilityFiles.dashboardFiles()) {
      Set<Integer> ids = new HashSet<>();
      List<int[]> boxes = new ArrayList<>();
      for (JsonObject panel : ObservabilityFiles.panels(ObservabilityFiles.dashboard(file))) {
        String where = file.getFileName() + " / " + panel.getString("title");
        assertTrue(ids.add(panel.getInteger("id")), where + ": duplicate panel id");
        JsonObject pos = panel.getJsonObject("gridPos");
        int[] box = {pos.getInteger("x"), pos.getInteger("y"), pos.getInteger("w"), pos.getInteger("h")};
        assertTrue(box[0] >= 0 && box[0] + box[2] <= 24, where + ": wider than the grid");
        for (int[] other : boxes) {
          boolean apart = box[0] + box[2] <= other[0] || other[0] + other[2] <= box[0]
              || box[1] + box[3] <= other[1] || other[1] + other[3] <= box[1];
          assertTrue(apart, where + ": overlaps another panel");
        }
        boxes.add(box);
        if ("row".equals(panel.getString("type"))) {
          continue;
        }
        assertFalse(panel.getString("description", "").isBlank(), where + ": no description");
        assertEquals(DATASOURCE, panel.getJsonObject("datasource").getString("uid"), where + ": datasource");
        JsonArray targets = panel.getJsonArray("targets");
        assertFalse(targets == null || targets.isEmpty(), where + ": no query");
        for (Object t : targets) {
          JsonObject target = (JsonObject) t;
          assertEquals(DATASOURCE, target.getJsonObject("datasource").getString("uid"), where + ": target datasource");
          String expr = target.getString("expr");
          assertTrue(expr.contains("node=~\"$node\""), where + ": query not filtered by $node: " + expr);
          assertFalse(expr.contains(DATASOURCE), where + ": datasource in a query");
        }
      }
    }
  }

  @Test
  void metricNamesAreReadLooselyFromPromql() {
    assertEquals(Set.of("opamp_event_loop_delay_seconds_bucket"), ObservabilityFiles.metricNames(
        "histogram_quantile(0.99, sum by (node, le) (rate(opamp_event_loop_delay_seconds_bucket{node=~\"$node\"}[$__rate_interval])))"));
    assertEquals(Set.of("up", "opamp_cluster_members"), ObservabilityFiles.metricNames(
        "min(opamp_cluster_members) < count(up{job=\"opamp-gateway\", process_x=\"jvm_y\"})"));
    assertEquals(Set.of("jvm_memory_used_bytes", "process_cpu_usage"), ObservabilityFiles.metricNames(
        "sum without (area) (jvm_memory_used_bytes) / on (node) group_left process_cpu_usage offset 5m"));
    assertEquals(Set.of("opamp_agents_connected"),
        ObservabilityFiles.metricNames("label_values(opamp_agents_connected, node)"));
  }

  @Test
  @SuppressWarnings("unchecked")
  void grafanaProvisioningFilesDescribeTheDatasourceAndTheDashboards() throws IOException {
    Map<String, Object> ds = yaml(ObservabilityFiles.GRAFANA.resolve("provisioning/datasources/opamp-prometheus.yml"));
    Map<String, Object> source = (Map<String, Object>) ((List<Object>) ds.get("datasources")).get(0);
    assertEquals("prometheus", source.get("type"));
    Map<String, Object> dashboards = yaml(ObservabilityFiles.GRAFANA.resolve("provisioning/dashboards/opamp-gateway.yml"));
    Map<String, Object> provider = (Map<String, Object>) ((List<Object>) dashboards.get("providers")).get(0);
    assertEquals("file", provider.get("type"));
    assertTrue(((Map<String, Object>) provider.get("options")).get("path") instanceof String);
  }

  @Test
  @SuppressWarnings("unchecked")
  void theExampleConfigurationScrapesThreeNodesUnderTheAlertsJobName() throws IOException {
    Map<String, Object> config = yaml(ObservabilityFiles.PROMETHEUS_CONFIG);
    assertEquals(List.of("alerts.yml"), config.get("rule_files"));
    Map<String, Object> job = (Map<String, Object>) ((List<Object>) config.get("scrape_configs")).get(0);
    assertEquals(ObservabilityFiles.JOB, job.get("job_name"));
    assertEquals("/metrics", job.get("metrics_path"));
    List<Object> targets = (List<Object>) ((Map<String, Object>) ((List<Object>) job.get("static_configs")).get(0))
        .get("targets");
    assertEquals(3, targets.size());
    String text = Files.readString(ObservabilityFiles.PROMETHEUS_CONFIG);
    assertTrue(text.contains("#   type: Bearer"), "the bearer-token block should be there, commented");
    for (ObservabilityFiles.AlertRule rule : ObservabilityFiles.alertRules()) {
      if (rule.expr().contains("up{")) {
        assertTrue(rule.expr().contains("job=\"" + ObservabilityFiles.JOB + "\""), rule.name());
      }
    }
  }

  @Test
  void theGrafanaReadmeDescribesEveryDashboard() throws IOException {
    String readme = Files.readString(ObservabilityFiles.GRAFANA.resolve("README.md"));
    for (String file : ObservabilityFiles.DASHBOARD_FILES) {
      assertTrue(readme.contains(file), "grafana/README.md does not mention " + file);
    }
  }

  private static JsonObject variable(JsonArray variables, String name, Path file) {
    for (Object v : variables) {
      if (name.equals(((JsonObject) v).getString("name"))) {
        return (JsonObject) v;
      }
    }
    throw new AssertionError(file + " has no '" + name + "' variable");
  }

  @SuppressWarnings("unchecked")
  private static Map<String, Object> yaml(Path file) throws IOException {
    return (Map<String, Object>) new Load(LoadSettings.builder().build()).loadFromString(Files.readString(file));
  }
}
