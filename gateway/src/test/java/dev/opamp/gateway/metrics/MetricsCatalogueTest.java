package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.TestGateway;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real gateway with a small fleet over both transports, scraped on its admin port: every
 * metric a dashboard or an alert rule uses exists, every {@code opamp_} metric is declared in the
 * catalogue and documented in the README, the census counts the fleet, and the set of series
 * does not grow with the fleet.
 */
class MetricsCatalogueTest {

  private static final List<String> HISTOGRAM_SUFFIXES = List.of("_bucket", "_count", "_sum", "_max");
  /** How Micrometer renders a catalogue name: counters get _total, meters with a base unit get it. */
  private static final List<String> RENDERED_SUFFIXES = List.of("", "_total", "_bytes", "_seconds",
      "_seconds_bucket", "_seconds_count", "_seconds_sum", "_seconds_max");

  private static TestGateway gateway;
  private static FleetSample fleet;
  private static Exposition before;
  private static Exposition after;

  @BeforeAll
  static void startFleet() throws Exception {
    gateway = TestGateway.start();
    before = scrape();
    fleet = FleetSample.connect(gateway);
    fleet.heartbeats();
    fleet.garbage();
    System.gc(); // so the JVM's GC pause timer exists, as it does on any node that ran a while
    // The census follows each write: wait until the whole sample has been written, and until the
    // sampled meters (the event-loop probe) have a reading.
    after = Poll.until("the census to count the sample fleet", Duration.ofSeconds(30),
        MetricsCatalogueTest::scrape,
        e -> e.value("opamp_agents_health", "health", "healthy") == FleetSample.HEALTHY
            && e.value("opamp_agents_remote_config", "status", "none") == FleetSample.NO_REMOTE_CONFIG_STATUS
            && e.value("opamp_event_loop_delay_seconds_count") > 0);
  }

  @AfterAll
  static void stop() throws Exception {
    if (fleet != null) {
      fleet.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  private static Exposition scrape() throws Exception {
    var response = gateway.adminGet("/metrics");
    assertEquals(200, response.statusCode());
    return Exposition.parse(response.bodyAsString());
  }

  /** What only a TLS listener exports (the serving-certificate gauge) is checked by TlsMetricsDocumentedTest. */
  @Test
  void everyMetricOfEveryDashboardPanelExists() {
    List<String> missing = new ArrayList<>();
    List<ObservabilityFiles.Query> queries = new ArrayList<>(ObservabilityFiles.panelQueries());
    queries.addAll(ObservabilityFiles.variableQueries());
    assertFalse(queries.isEmpty(), "no dashboard queries found under " + ObservabilityFiles.DASHBOARDS);
    for (ObservabilityFiles.Query q : queries) {
      Set<String> names = ObservabilityFiles.metricNames(q.expr());
      if (names.isEmpty()) {
        missing.add("uses no known metric: " + q);
      }
      for (String name : names) {
        if (!name.equals("up") && !onlyWithTls(name) && !after.names().contains(name)) {
          missing.add(name + " in " + q);
        }
      }
    }
    assertTrue(missing.isEmpty(), "metrics used by dashboards but not exported:\n" + String.join("\n", missing));
  }

  @Test
  void everyMetricOfEveryAlertRuleExists() {
    List<String> missing = new ArrayList<>();
    for (ObservabilityFiles.AlertRule rule : ObservabilityFiles.alertRules()) {
      Set<String> names = ObservabilityFiles.metricNames(rule.expr());
      if (names.isEmpty()) {
        missing.add(rule.name() + " uses no known metric");
      }
      for (String name : names) {
        if (!name.equals("up") && !onlyWithTls(name) && !after.names().contains(name)) {
          missing.add(name + " in alert " + rule.name());
        }
      }
    }
    assertTrue(missing.isEmpty(), "metrics used by alert rules but not exported:\n" + String.join("\n", missing));
  }

  @Test
  void everyOpampMetricIsDeclaredInTheCatalogue() throws Exception {
    Set<String> declared = declaredNames();
    List<String> undeclared = new ArrayList<>();
    for (String name : after.names()) {
      if (name.startsWith("opamp_")
          && RENDERED_SUFFIXES.stream().noneMatch(s -> name.endsWith(s) && declared.contains(cut(name, s)))) {
        undeclared.add(name);
      }
    }
    assertTrue(undeclared.isEmpty(), "exported but not declared in GatewayMetrics: " + undeclared);
    // And nothing declared is left unexported (but what only a TLS listener exports: TlsListenersTest).
    for (String d : declared) {
      if (onlyWithTls(d)) {
        continue;
      }
      assertTrue(RENDERED_SUFFIXES.stream().anyMatch(s -> after.names().contains(d + s)),
          "declared in GatewayMetrics but not exported: " + d);
    }
  }

  @Test
  void everyOpampMetricIsDocumentedInTheReadme() {
    Set<String> documented = ObservabilityFiles.documentedMetrics();
    Set<String> exported = new TreeSet<>();
    for (String name : after.names()) {
      if (name.startsWith("opamp_")) {
        exported.add(family(name, documented));
      }
    }
    Set<String> undocumented = new TreeSet<>(exported);
    undocumented.removeAll(documented);
    assertTrue(undocumented.isEmpty(), "exported but missing from README's Metrics table: " + undocumented);
    Set<String> stale = new TreeSet<>(documented);
    stale.removeAll(exported);
    stale.removeIf(MetricsCatalogueTest::onlyWithTls);
    assertTrue(stale.isEmpty(), "in README's Metrics table but not exported: " + stale);
  }

  @Test
  void everySeriesCarriesTheNodeLabel() {
    String node = gateway.node().nodeName();
    for (Exposition.Sample s : after.samples()) {
      assertEquals(node, s.labels().get("node"), "series without the node label: " + s.series());
    }
  }

  @Test
  void theSeriesDoNotGrowWithTheFleet() {
    assertEquals(before.series("opamp_"), after.series("opamp_"),
        "connecting agents added or removed opamp_ series: a label must not depend on the agents");
    for (Exposition.Sample s : after.samples()) {
      for (String uid : fleet.uidKeys()) {
        assertFalse(s.labels().containsValue(uid), "a series names an agent: " + s.series());
      }
    }
  }

  @Test
  void theGaugesCountTheFleet() {
    assertEquals(FleetSample.WEBSOCKET_AGENTS, after.value("opamp_agents_connected", "transport", "websocket"));
    assertEquals(FleetSample.HTTP_AGENTS, after.value("opamp_agents_connected", "transport", "http"));
    assertEquals(FleetSample.HEALTHY, after.value("opamp_agents_health", "health", "healthy"));
    assertEquals(FleetSample.UNHEALTHY, after.value("opamp_agents_health", "health", "unhealthy"));
    assertEquals(FleetSample.HEALTH_UNKNOWN, after.value("opamp_agents_health", "health", "unknown"));
    assertEquals(FleetSample.APPLIED, after.value("opamp_agents_remote_config", "status", "applied"));
    assertEquals(FleetSample.APPLYING, after.value("opamp_agents_remote_config", "status", "applying"));
    assertEquals(FleetSample.FAILED, after.value("opamp_agents_remote_config", "status", "failed"));
    assertEquals(0, after.value("opamp_agents_remote_config", "status", "unset"));
    assertEquals(FleetSample.NO_REMOTE_CONFIG_STATUS, after.value("opamp_agents_remote_config", "status", "none"));
    assertEquals(0, after.value("opamp_agents_census_age_seconds"), "the census is kept live");
    assertTrue(after.value("opamp_sessions_opened_total", "transport", "websocket") >= FleetSample.WEBSOCKET_AGENTS);
    assertTrue(after.value("opamp_sessions_opened_total", "transport", "http") >= FleetSample.HTTP_AGENTS);
    assertEquals(1, after.value("opamp_protocol_errors_total", "transport", "websocket", "reason", "undecodable"));
    assertEquals(1, after.value("opamp_full_state_requests_total", "reason", "missing_state"));
    assertEquals(1, after.value("opamp_cluster_members"));
    assertEquals(271, after.value("opamp_cluster_partitions_owned"));
    assertEquals(FleetSample.WEBSOCKET_AGENTS + FleetSample.HTTP_AGENTS,
        after.value("opamp_cluster_owned_entries", "map", "agents"));
    assertTrue(after.value("opamp_event_loop_delay_seconds_count") > 0, "the event-loop probe has not run");
    assertEquals(gateway.node().settings().receiveBudgetBytes(), after.value("opamp_receive_budget_limit_bytes"));
    assertTrue(after.value("process_files_open_files") > 0);
  }

  /** Metrics this plain gateway cannot export: a listener's TLS certificate gauge. */
  static boolean onlyWithTls(String rendered) {
    return GatewayMetrics.ONLY_WITH_TLS.stream().anyMatch(n -> n.replace('.', '_').equals(rendered));
  }

  /** The catalogue's names, rendered as Prometheus names (dots to underscores). */
  static Set<String> declaredNames() throws IllegalAccessException {
    Set<String> names = new TreeSet<>();
    for (Field f : GatewayMetrics.class.getDeclaredFields()) {
      int m = f.getModifiers();
      if (Modifier.isStatic(m) && Modifier.isFinal(m) && f.getType() == String.class) {
        String value = (String) f.get(null);
        if (value.startsWith("opamp.")) {
          names.add(value.replace('.', '_'));
        }
      }
    }
    return names;
  }

  /** The name the README documents a sample under: itself, or its histogram's name. */
  private static String family(String sample, Set<String> documented) {
    if (documented.contains(sample)) {
      return sample;
    }
    for (String suffix : HISTOGRAM_SUFFIXES) {
      if (sample.endsWith(suffix) && documented.contains(cut(sample, suffix))) {
        return cut(sample, suffix);
      }
    }
    return sample;
  }

  private static String cut(String name, String suffix) {
    return name.substring(0, name.length() - suffix.length());
  }
}
