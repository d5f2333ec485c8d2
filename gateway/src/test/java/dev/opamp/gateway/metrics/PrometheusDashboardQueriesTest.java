package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.testing.FreePorts;
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A real Prometheus (Debian's {@code prometheus} binary) scrapes a real gateway every second
 * while a small fleet talks to it; then every dashboard query, with Grafana's variables filled
 * in, must return data, the alert rules must load and evaluate cleanly, and the node variable
 * must list the node. What each panel answered is written to
 * {@code target/prometheus-panels.txt}.
 */
class PrometheusDashboardQueriesTest {

  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  private static final Path REPORT = Path.of("target", "prometheus-panels.txt");

  private static TestGateway gateway;
  private static FleetSample fleet;
  private static Thread traffic;
  private static final AtomicBoolean stopping = new AtomicBoolean();
  private static Process prometheus;
  private static Path workDir;
  private static String api;

  @BeforeAll
  static void startGatewayFleetAndPrometheus() throws Exception {
    Path binary = PrometheusTools.require("prometheus");
    gateway = TestGateway.start();
    fleet = FleetSample.connect(gateway);
    fleet.garbage();
    System.gc(); // the GC pause timer appears with the first collection
    traffic = new Thread(() -> {
      for (int round = 0; !stopping.get(); round++) {
        try {
          fleet.heartbeats();
          if (round % 5 == 0) {
            fleet.passingAgent();
          }
          Thread.sleep(300);
        } catch (Exception e) {
          if (!stopping.get()) {
            throw new IllegalStateException("heartbeats failed", e);
          }
        }
      }
    }, "metrics-test-traffic");
    traffic.setDaemon(true);
    traffic.start();

    workDir = Files.createTempDirectory("opamp-prometheus-test");
    Path config = workDir.resolve("prometheus.yml");
    Files.writeString(config, """
        global:
          scrape_interval: 1s
          evaluation_interval: 1s
        rule_files:
          - %s
        scrape_configs:
          - job_name: %s
            metrics_path: /metrics
            static_configs:
              - targets: ["127.0.0.1:%d"]
        """.formatted(ObservabilityFiles.ALERTS.toAbsolutePath().normalize(), ObservabilityFiles.JOB,
        gateway.adminPort()));
    int port = FreePorts.take();
    api = "http://127.0.0.1:" + port;
    prometheus = new ProcessBuilder(binary.toString(),
        "--config.file=" + config,
        "--storage.tsdb.path=" + workDir.resolve("data"),
        "--web.listen-address=127.0.0.1:" + port,
        "--log.level=warn")
        .redirectErrorStream(true)
        .redirectOutput(workDir.resolve("prometheus.log").toFile())
        .start();
    Poll.until("Prometheus to be ready (log: " + workDir.resolve("prometheus.log") + ")", Duration.ofSeconds(60),
        () -> prometheus.isAlive() && get("/-/ready").statusCode() == 200);
    // Enough scrapes for rate() over 30 s, and at least one census in them.
    Poll.until("Prometheus to scrape the gateway ten times", Duration.ofSeconds(60),
        () -> scalar("sum(count_over_time(up{job=\"" + ObservabilityFiles.JOB + "\"}[1m]))") >= 10
            && scalar("min(up{job=\"" + ObservabilityFiles.JOB + "\"})") == 1
            && scalar("sum(opamp_agents_health{health=\"unhealthy\"})") == FleetSample.UNHEALTHY);
  }

  @AfterAll
  static void stopAll() throws Exception {
    stopping.set(true);
    if (traffic != null) {
      traffic.join(5000);
    }
    if (prometheus != null) {
      prometheus.destroy();
      if (!prometheus.waitFor(15, TimeUnit.SECONDS)) {
        prometheus.destroyForcibly();
      }
    }
    if (fleet != null) {
      fleet.close();
    }
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void everyDashboardQueryReturnsData() throws Exception {
    List<String> empty = new ArrayList<>();
    StringBuilder report = new StringBuilder("# Every dashboard query, as a real Prometheus answered it\n");
    String node = gateway.node().nodeName();
    List<ObservabilityFiles.Query> queries = ObservabilityFiles.panelQueries();
    assertFalse(queries.isEmpty());
    for (ObservabilityFiles.Query q : queries) {
      for (String value : List.of(".*", node)) {
        String expr = ObservabilityFiles.substitute(q.expr(), value);
        JsonArray result = query(expr);
        if (result.isEmpty() && !onlyWithTls(q)) {
          empty.add(q + "\n    sent: " + expr);
        }
        if (value.equals(".*")) {
          report.append("\n## ").append(q.dashboard()).append(" / ").append(q.panel()).append(" [")
              .append(q.refId()).append("]\n").append(expr).append('\n');
          for (Object r : result) {
            JsonObject series = (JsonObject) r;
            report.append("  ").append(series.getJsonObject("metric").encode()).append(" = ")
                .append(series.getJsonArray("value").getString(1)).append('\n');
          }
        }
      }
    }
    Files.createDirectories(REPORT.getParent());
    Files.writeString(REPORT, report);
    assertTrue(empty.isEmpty(), empty.size() + " dashboard queries returned no data:\n" + String.join("\n", empty));
  }

  /**
   * A query of what only a TLS listener exports (the serving-certificate gauge) answers nothing
   * from this plain gateway; it must still be valid PromQL, and TlsMetricsDocumentedTest shows
   * the metric exists where TLS is on.
   */
  private static boolean onlyWithTls(ObservabilityFiles.Query q) {
    var names = ObservabilityFiles.metricNames(q.expr());
    return !names.isEmpty() && names.stream().allMatch(MetricsCatalogueTest::onlyWithTls);
  }

  /** The sample fleet, seen through Prometheus (a passing agent may be connected at any moment). */
  @Test
  void thePanelsShowTheFleet() throws Exception {
    double connected = scalar("sum(opamp_agents_connected{node=~\".*\"})");
    assertTrue(connected == 5 || connected == 6, "agents connected: " + connected);
    assertEquals(FleetSample.UNHEALTHY, scalar("sum(opamp_agents_health{health=\"unhealthy\"})"));
    assertEquals(FleetSample.FAILED, scalar("sum(opamp_agents_remote_config{status=\"failed\"})"));
    assertEquals(FleetSample.APPLIED, scalar("sum(opamp_agents_remote_config{status=\"applied\"})"));
    for (String counter : List.of("opamp_messages_received_total", "opamp_bytes_sent_total",
        "opamp_sessions_opened_total", "opamp_sessions_closed_total", "opamp_event_loop_delay_seconds_count")) {
      assertTrue(scalar("sum(rate(" + counter + "[30s]))") > 0, counter + " did not move in the last 30 s");
    }
    assertTrue(scalar("sum(rate(opamp_fleet_writes_total{outcome=\"changed\"}[30s]))") > 0, "no fleet writes");
  }

  @Test
  void theNodeVariableListsTheNode() throws Exception {
    for (ObservabilityFiles.Query q : ObservabilityFiles.variableQueries()) {
      var m = java.util.regex.Pattern.compile("label_values\\((\\w+),\\s*(\\w+)\\)").matcher(q.expr());
      assertTrue(m.matches(), "unexpected variable query " + q);
      JsonObject body = new JsonObject(get("/api/v1/label/" + m.group(2) + "/values?match[]="
          + URLEncoder.encode(m.group(1), StandardCharsets.UTF_8)).body());
      assertTrue(body.getJsonArray("data").contains(gateway.node().nodeName()), q + " -> " + body);
    }
  }

  @Test
  void theAlertRulesLoadAndEvaluate() throws Exception {
    JsonObject rules = Poll.until("every rule to be evaluated once", Duration.ofSeconds(30),
        () -> new JsonObject(get("/api/v1/rules").body()),
        body -> body.getJsonObject("data").getJsonArray("groups").stream()
            .flatMap(g -> ((JsonObject) g).getJsonArray("rules").stream())
            .allMatch(r -> !((JsonObject) r).getString("lastEvaluation", "").startsWith("0001")));
    List<String> names = new ArrayList<>();
    for (Object g : rules.getJsonObject("data").getJsonArray("groups")) {
      for (Object r : ((JsonObject) g).getJsonArray("rules")) {
        JsonObject rule = (JsonObject) r;
        names.add(rule.getString("name"));
        assertEquals("ok", rule.getString("health"), rule.getString("name") + ": " + rule.getString("lastError"));
        // Nothing is wrong with this gateway: no alert may fire, or even be pending. The one
        // exception: on a small test machine, starting Prometheus next to the gateway can delay
        // a few event-loop probes past 100 ms, and a window of seconds holds too few probes for
        // that to stay under the 99th percentile.
        String state = rule.getString("state");
        if (rule.getString("name").equals("OpampEventLoopStalled")) {
          assertTrue(state.equals("inactive") || state.equals("pending"), "OpampEventLoopStalled is " + state);
        } else {
          assertEquals("inactive", state, rule.getString("name") + " is " + state);
        }
      }
    }
    assertEquals(AlertRulesTest.REQUIRED, new java.util.TreeSet<>(names));
  }

  private static HttpResponse<String> get(String pathAndQuery) throws Exception {
    HttpRequest request = HttpRequest.newBuilder(URI.create(api + pathAndQuery)).timeout(Duration.ofSeconds(10)).build();
    return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
  }

  /** An instant query's result vector; fails unless Prometheus says success. */
  private static JsonArray query(String expr) throws Exception {
    HttpResponse<String> response = get("/api/v1/query?query=" + URLEncoder.encode(expr, StandardCharsets.UTF_8));
    JsonObject body = new JsonObject(response.body());
    assertEquals("success", body.getString("status"), expr + " -> " + response.body());
    return body.getJsonObject("data").getJsonArray("result");
  }

  /** The value of a query expected to give one series (NaN if it gives none). */
  private static double scalar(String expr) throws Exception {
    JsonArray result = query(expr);
    return result.isEmpty() ? Double.NaN
        : Double.parseDouble(result.getJsonObject(0).getJsonArray("value").getString(1));
  }
}
