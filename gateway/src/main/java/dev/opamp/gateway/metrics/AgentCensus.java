package dev.opamp.gateway.metrics;

import com.hazelcast.aggregation.Aggregator;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * Counts agent records by health and by remote-config status where they are stored, so a census
 * of any number of agents sends a dozen numbers over the network, not the records.
 */
public final class AgentCensus implements Aggregator<Map.Entry<String, AgentRecord>, AgentCensus.Counts> {

  private static final long serialVersionUID = 1L;

  /** The {@code health} tag values: the agent's reported {@code ComponentHealth.healthy}, or none reported. */
  public static final List<String> HEALTH = List.of("healthy", "unhealthy", "unknown");
  /** The {@code status} tag values: the reported {@code RemoteConfigStatus}, or none reported. */
  public static final List<String> REMOTE_CONFIG = List.of("applied", "applying", "failed", "unset", "none");

  private final long[] counts = new long[HEALTH.size() + REMOTE_CONFIG.size()];

  /** What a census found: agents by health and by remote-config status. */
  public record Counts(long[] health, long[] remoteConfig) implements java.io.Serializable {
    public long health(String value) {
      return health[HEALTH.indexOf(value)];
    }

    public long remoteConfig(String value) {
      return remoteConfig[REMOTE_CONFIG.indexOf(value)];
    }
  }

  @Override
  public void accumulate(Map.Entry<String, AgentRecord> entry) {
    AgentRecord r = entry.getValue();
    if (r == null) {
      return;
    }
    counts[healthIndex(r)]++;
    counts[HEALTH.size() + remoteConfigIndex(r)]++;
  }

  static int healthIndex(AgentRecord r) {
    if (!r.hasHealth()) {
      return 2;
    }
    return r.getHealth().getHealthy() ? 0 : 1;
  }

  static int remoteConfigIndex(AgentRecord r) {
    if (!r.hasRemoteConfigStatus()) {
      return 4;
    }
    RemoteConfigStatuses status = r.getRemoteConfigStatus().getStatus();
    return switch (status) {
      case RemoteConfigStatuses_APPLIED -> 0;
      case RemoteConfigStatuses_APPLYING -> 1;
      case RemoteConfigStatuses_FAILED -> 2;
      default -> 3; // UNSET, or a value newer than this gateway
    };
  }

  @Override
  public void combine(Aggregator other) {
    long[] theirs = ((AgentCensus) other).counts;
    for (int i = 0; i < counts.length; i++) {
      counts[i] += theirs[i];
    }
  }

  @Override
  public Counts aggregate() {
    return new Counts(Arrays.copyOfRange(counts, 0, HEALTH.size()),
        Arrays.copyOfRange(counts, HEALTH.size(), counts.length));
  }
}
