package dev.opamp.loadtest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;

/** The simulator's pure parts: flags, addresses, targets, merging, metric parsing. */
class PartsTest {

  @Test
  void sourceAddressesComeFromARangeOrAreChosenAboveTwentyThousandAgents() {
    assertEquals(List.of("127.0.0.2", "127.0.0.3", "127.0.0.4"), SourceAddresses.parse("127.0.0.2-127.0.0.4", 10, true));
    assertEquals(List.of("127.0.0.2", "127.0.0.9"), SourceAddresses.parse("127.0.0.2,127.0.0.9", 10, false));
    assertEquals(List.of(), SourceAddresses.parse(null, 2_000, true));
    assertEquals(List.of("127.0.0.2", "127.0.0.3"), SourceAddresses.parse(null, 2_001, true));
    assertEquals(50, SourceAddresses.parse(null, 100_000, true).size());
    assertEquals(List.of(), SourceAddresses.parse(null, 100_000, false), "a remote server: the OS chooses");
    assertThrows(IllegalArgumentException.class, () -> SourceAddresses.parse("127.0.0.9-127.0.0.2", 1, true));
    assertThrows(IllegalArgumentException.class, () -> SourceAddresses.parse("localhost", 1, true));
  }

  @Test
  void targetsAreSpreadRoundRobinInBothForms() {
    Targets t = Targets.parse(List.of("ws://127.0.0.1:4320/v1/opamp", "http://127.0.0.1:4330/v1/opamp"));
    assertEquals("ws://127.0.0.1:4320/v1/opamp", t.forAgent(0).wsUrl());
    assertEquals("http://127.0.0.1:4330/v1/opamp", t.forAgent(1).httpUrl());
    assertEquals("ws://127.0.0.1:4330/v1/opamp", t.forAgent(3).wsUrl());
    assertThrows(IllegalArgumentException.class, () -> Targets.parse(List.of("tcp://x:1")));
  }

  @Test
  void flagsAreCheckedAndWorkersGetContiguousSlices() {
    Options o = Options.parse("--agents", "100001", "--worker", "2/3", "--rate", "3000");
    assertEquals(Options.Scenario.connect, o.scenario);
    assertEquals(6, o.processes, "one worker per 18 000 agents");
    int total = 0;
    for (int i = 0; i < 3; i++) {
      Options w = Options.parse("--agents", "100001", "--worker", i + "/3");
      assertEquals(total, w.sliceStart());
      total += w.sliceSize();
    }
    assertEquals(100_001, total);
    assertEquals(1000.0, o.sliceRate());
    assertEquals(Options.Scenario.floor_server, Options.parse("--scenario", "floor-server").scenario);
    assertThrows(CommandLine.ParameterException.class, () -> Options.parse("--scenario", "nope"));
    assertThrows(CommandLine.ParameterException.class, () -> Options.parse("--failure-rate", "2"));
    assertEquals("abc", Options.parse("--run-id", "x", "--run-id", "abc").runId, "the last one wins");
  }

  @Test
  void aMixPollsExactlyTheAskedShareOverHttp() {
    Options o = Options.parse("--transport", "mix", "--http-percent", "20");
    int http = 0;
    for (int i = 0; i < 1250; i++) {
      http += LocalFleet.isHttp(o, i) ? 1 : 0;
    }
    assertEquals(250, http);
    assertFalse(LocalFleet.isHttp(Options.parse("--transport", "ws"), 4));
  }

  @Test
  void histogramsSurviveTheirEncodedFormAndMerge() {
    Histogram a = Histograms.plain();
    Histogram b = Histograms.plain();
    for (int i = 1; i <= 100; i++) {
      a.recordValue(i * 1000L);
      b.recordValue(i * 2000L);
    }
    Histogram merged = Histograms.plain();
    merged.add(Histograms.decode(Histograms.encode(a)));
    merged.add(Histograms.decode(Histograms.encode(b)));
    assertEquals(200, merged.getTotalCount());
    assertEquals(200.0, Histograms.summary(merged).getDouble("maxMs"), 0.5);
  }

  @Test
  void statusesAddUpAndATimeIsKnownOnlyWhenEveryProcessKnowsIt() {
    FleetStatus a = new FleetStatus(10, 10, 10, 12, Map.of("x", 1L), 500, 1, 10, 700, 10, 0, 900, 10, 0, 0, 0, 1024);
    FleetStatus b = new FleetStatus(10, 9, 9, 9, Map.of("x", 2L, "y", 1L), 0, 1, 9, 0, 8, 1, 950, 10, 0, 0, 0, 2048);
    FleetStatus m = FleetStatus.merge(List.of(a, b));
    assertEquals(20, m.agents());
    assertEquals(19, m.connected());
    assertEquals(4, m.errorCount());
    assertEquals(0, m.rampDoneMicros());
    assertEquals(0, m.stormDoneMicros());
    assertEquals(950, m.lastReportMicros());
    assertEquals(3072, m.downloadedBytes());
    assertEquals(18, m.succeeded());
    assertEquals(m, FleetStatus.fromJson(m.toJson()));
    FleetStatus done = FleetStatus.merge(List.of(a, new FleetStatus(10, 10, 10, 10, Map.of(), 800, 1, 10, 650, 10, 0,
        1, 10, 0, 0, 0, 0)));
    assertEquals(800, done.rampDoneMicros());
    assertEquals(700, done.stormDoneMicros());
  }

  @Test
  void prometheusLinesAreSummedByMetricAndLabel() {
    String text = """
        # HELP jvm_memory_used_bytes x
        jvm_memory_used_bytes{area="heap",id="G1 Eden Space"} 100.0
        jvm_memory_used_bytes{area="heap",id="G1 Old Gen"} 1.5E3
        jvm_memory_used_bytes{area="nonheap",id="Metaspace"} 7.0
        opamp_agents_connected{transport="http"} 2.0
        opamp_agents_connected{transport="websocket"} 3.0
        opamp_agents_connected_total 99
        """;
    assertEquals(1600, GatewayProbe.sum(text, "jvm_memory_used_bytes{", "area=\"heap\""));
    assertEquals(5, GatewayProbe.sum(text, "opamp_agents_connected", null));
    assertEquals(-1, GatewayProbe.sum(text, "absent_metric", null));
    assertTrue(GatewayProbe.rssBytes(ProcessHandle.current().pid()) > 0);
  }

  @Test
  void durationsReadLikeTheGateways() {
    assertEquals(500, Durations.parse("500ms").toMillis());
    assertEquals(30_000, Durations.parse("30s").toMillis());
    assertEquals(120_000, Durations.parse("2m").toMillis());
    assertEquals(7_000, Durations.parse("7").toMillis());
    assertThrows(IllegalArgumentException.class, () -> Durations.parse("soon"));
  }
}
