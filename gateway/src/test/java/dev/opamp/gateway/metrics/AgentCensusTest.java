package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.opamp.gateway.proto.RemoteConfigStatuses;
import org.junit.jupiter.api.Test;

/** The live census: one count per health and remote-config value, moved as stored state changes. */
class AgentCensusTest {

  private static final int APPLIED = RemoteConfigStatuses.RemoteConfigStatuses_APPLIED_VALUE;
  private static final int APPLYING = RemoteConfigStatuses.RemoteConfigStatuses_APPLYING_VALUE;
  private static final int FAILED = RemoteConfigStatuses.RemoteConfigStatuses_FAILED_VALUE;

  @Test
  void countsEveryHealthAndRemoteConfigValue() {
    AgentCensus census = new AgentCensus();
    census.move(AgentCensus.NOT_COUNTED, AgentCensus.place(true, APPLIED));
    census.move(AgentCensus.NOT_COUNTED, AgentCensus.place(true, APPLYING));
    census.move(AgentCensus.NOT_COUNTED, AgentCensus.place(false, FAILED));
    census.move(AgentCensus.NOT_COUNTED, AgentCensus.place(null, RemoteConfigStatuses.RemoteConfigStatuses_UNSET_VALUE));
    census.move(AgentCensus.NOT_COUNTED, AgentCensus.place(null, 42)); // newer than this gateway: unset
    census.move(AgentCensus.NOT_COUNTED, AgentCensus.place(false, null));
    assertEquals(2, census.health("healthy"));
    assertEquals(2, census.health("unhealthy"));
    assertEquals(2, census.health("unknown"));
    assertEquals(1, census.remoteConfig("applied"));
    assertEquals(1, census.remoteConfig("applying"));
    assertEquals(1, census.remoteConfig("failed"));
    assertEquals(2, census.remoteConfig("unset"));
    assertEquals(1, census.remoteConfig("none"));
  }

  @Test
  void anAgentMovesBetweenCountsAndLeavesThem() {
    AgentCensus census = new AgentCensus();
    int applying = AgentCensus.place(true, APPLYING);
    int applied = AgentCensus.place(true, APPLIED);
    census.move(AgentCensus.NOT_COUNTED, applying);
    census.move(applying, applied);
    assertEquals(0, census.remoteConfig("applying"));
    assertEquals(1, census.remoteConfig("applied"));
    assertEquals(1, census.health("healthy"), "a move of one part keeps the other");
    census.move(applied, applied);
    assertEquals(1, census.remoteConfig("applied"), "no move, no change");
    census.move(applied, AgentCensus.NOT_COUNTED);
    assertEquals(0, census.remoteConfig("applied"));
    assertEquals(0, census.health("healthy"));
  }
}
