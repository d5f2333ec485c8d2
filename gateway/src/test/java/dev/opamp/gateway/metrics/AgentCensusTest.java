package dev.opamp.gateway.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The census aggregator: one count per health and remote-config value, summed across partitions. */
class AgentCensusTest {

  private static AgentRecord record(Boolean healthy, Integer remoteConfigStatus) {
    AgentRecord.Builder b = AgentRecord.newBuilder();
    if (healthy != null) {
      b.setHealth(ComponentHealth.newBuilder().setHealthy(healthy));
    }
    if (remoteConfigStatus != null) {
      b.setRemoteConfigStatus(RemoteConfigStatus.newBuilder().setStatusValue(remoteConfigStatus));
    }
    return b.build();
  }

  private static void add(AgentCensus census, AgentRecord r) {
    census.accumulate(Map.entry("k" + System.nanoTime(), r));
  }

  @Test
  void countsEveryHealthAndRemoteConfigValue() {
    AgentCensus one = new AgentCensus();
    add(one, record(true, RemoteConfigStatuses.RemoteConfigStatuses_APPLIED_VALUE));
    add(one, record(true, RemoteConfigStatuses.RemoteConfigStatuses_APPLYING_VALUE));
    add(one, record(false, RemoteConfigStatuses.RemoteConfigStatuses_FAILED_VALUE));
    AgentCensus other = new AgentCensus();
    add(other, record(null, RemoteConfigStatuses.RemoteConfigStatuses_UNSET_VALUE));
    add(other, record(null, 42)); // a status newer than this gateway counts as unset
    add(other, record(false, null));
    one.combine(other);
    AgentCensus.Counts counts = one.aggregate();
    assertArrayEquals(new long[] {2, 2, 2}, counts.health());
    assertArrayEquals(new long[] {1, 1, 1, 2, 1}, counts.remoteConfig());
    assertEquals(2, counts.health("unknown"));
    assertEquals(1, counts.remoteConfig("none"));
  }

  @Test
  void anEmptyCensusCountsZero() {
    AgentCensus.Counts counts = new AgentCensus().aggregate();
    assertArrayEquals(new long[3], counts.health());
    assertArrayEquals(new long[5], counts.remoteConfig());
  }
}
