package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.snakeyaml.engine.v2.api.Load;
import org.snakeyaml.engine.v2.api.LoadSettings;

/**
 * The alert rules as Prometheus's own tool sees them: {@code promtool check rules} accepts them,
 * {@code promtool check config} accepts the example configuration that loads them, and
 * {@code promtool test rules} runs their unit tests, which fire every rule at least once.
 */
class AlertRulesTest {

  /** The alerts the issues ask for: the gateway and fleet, then credentials, TLS and packages (0.4.0). */
  static final Set<String> REQUIRED = Set.of("OpampGatewayDown", "OpampNodeLost", "OpampAgentsDroppingFast",
      "OpampRemoteConfigApplyFailuresRising", "OpampEventLoopStalled", "OpampReceiveBudgetNearlyExhausted",
      "OpampProtocolErrorsSpiking", "OpampRolloutStopped",
      "OpampAgentCertificatesExpiringSoon", "OpampCsrRejectionsSpiking", "OpampTlsCertificateExpiringSoon",
      "OpampPackageInstallsFailing", "OpampPackageDownloadsBusy");

  @Test
  void promtoolAcceptsTheRules() throws Exception {
    Path promtool = PrometheusTools.require("promtool");
    run(promtool, "check", "rules", ObservabilityFiles.ALERTS.getFileName().toString());
  }

  @Test
  void promtoolAcceptsTheExampleConfiguration() throws Exception {
    Path promtool = PrometheusTools.require("promtool");
    run(promtool, "check", "config", ObservabilityFiles.PROMETHEUS_CONFIG.getFileName().toString());
  }

  @Test
  void theRulesPassTheirUnitTests() throws Exception {
    Path promtool = PrometheusTools.require("promtool");
    run(promtool, "test", "rules", ObservabilityFiles.ALERT_TESTS.getFileName().toString());
  }

  @Test
  void everyRuleIsRequiredDocumentedAndHasARunbook() throws IOException {
    List<ObservabilityFiles.AlertRule> rules = ObservabilityFiles.alertRules();
    Set<String> names = new TreeSet<>();
    String grafanaReadme = Files.readString(ObservabilityFiles.GRAFANA.resolve("README.md"));
    for (ObservabilityFiles.AlertRule rule : rules) {
      assertTrue(names.add(rule.name()), "two rules named " + rule.name());
      Object runbook = rule.annotations().get("runbook");
      assertTrue(runbook instanceof String s && s.length() > 20, rule.name() + " has no runbook annotation");
      assertTrue(rule.annotations().get("summary") instanceof String, rule.name() + " has no summary");
      assertTrue(rule.labels().get("severity") instanceof String, rule.name() + " has no severity label");
      assertTrue(grafanaReadme.contains(rule.name()), "grafana/README.md does not describe " + rule.name());
    }
    assertEquals(REQUIRED, names);
  }

  /** Each rule fires in at least one unit test, so none is left untried. */
  @Test
  @SuppressWarnings("unchecked")
  void everyRuleFiresInAUnitTest() throws IOException {
    Map<String, Object> doc = (Map<String, Object>) new Load(LoadSettings.builder().build())
        .loadFromString(Files.readString(ObservabilityFiles.ALERT_TESTS));
    Set<String> fired = new TreeSet<>();
    for (Object t : (List<Object>) doc.get("tests")) {
      for (Object a : (List<Object>) ((Map<String, Object>) t).get("alert_rule_test")) {
        Map<String, Object> check = (Map<String, Object>) a;
        if (!((List<Object>) check.get("exp_alerts")).isEmpty()) {
          fired.add((String) check.get("alertname"));
        }
      }
    }
    assertEquals(REQUIRED, fired, "alerts with no unit test that fires them");
  }

  /** Runs promtool in grafana/ (rule files are named relative to it) and fails with its output. */
  private static void run(Path promtool, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(promtool.toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command)
        .directory(ObservabilityFiles.GRAFANA.toFile())
        .redirectErrorStream(true)
        .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS), "promtool did not finish");
    assertEquals(0, process.exitValue(), String.join(" ", command) + " failed:\n" + output);
    assertFalse(output.contains("FAILED"), output);
  }
}
