package dev.opamp.gateway.metrics;

import dev.opamp.gateway.proto.RemoteConfigStatuses;
import java.util.List;
import java.util.concurrent.atomic.AtomicLongArray;

/**
 * The agents connected to this node, counted by their stored health and remote-config status and
 * kept live: a session moves its agent to another count when a write of its report changes what
 * is stored, and out of the counts when it closes. Summed over nodes, the counts cover the
 * connected fleet. No scan of the fleet map is needed, however large the fleet.
 */
public final class AgentCensus {

  /** The {@code health} tag values: the agent's stored {@code ComponentHealth.healthy}, or none reported. */
  public static final List<String> HEALTH = List.of("healthy", "unhealthy", "unknown");
  /** The {@code status} tag values: the stored {@code RemoteConfigStatus}, or none reported. */
  public static final List<String> REMOTE_CONFIG = List.of("applied", "applying", "failed", "unset", "none");
  /** The place of an agent that is not counted (before its first write, after its session closed). */
  public static final int NOT_COUNTED = -1;

  private final AtomicLongArray health = new AtomicLongArray(HEALTH.size());
  private final AtomicLongArray remoteConfig = new AtomicLongArray(REMOTE_CONFIG.size());

  /**
   * Where an agent with this stored state is counted: its health and remote-config values in one
   * number. {@code healthy} null: no health stored; {@code remoteConfigStatus} null: no status.
   */
  public static int place(Boolean healthy, Integer remoteConfigStatus) {
    return healthIndex(healthy) * REMOTE_CONFIG.size() + remoteConfigIndex(remoteConfigStatus);
  }

  /** Moves one agent from {@code from} to {@code to} (either may be {@link #NOT_COUNTED}). */
  public void move(int from, int to) {
    if (from == to) {
      return;
    }
    if (from != NOT_COUNTED) {
      health.decrementAndGet(from / REMOTE_CONFIG.size());
      remoteConfig.decrementAndGet(from % REMOTE_CONFIG.size());
    }
    if (to != NOT_COUNTED) {
      health.incrementAndGet(to / REMOTE_CONFIG.size());
      remoteConfig.incrementAndGet(to % REMOTE_CONFIG.size());
    }
  }

  public long health(String value) {
    return health.get(HEALTH.indexOf(value));
  }

  public long remoteConfig(String value) {
    return remoteConfig.get(REMOTE_CONFIG.indexOf(value));
  }

  private static int healthIndex(Boolean healthy) {
    if (healthy == null) {
      return 2;
    }
    return healthy ? 0 : 1;
  }

  private static int remoteConfigIndex(Integer status) {
    if (status == null) {
      return 4;
    }
    return switch (status) {
      case RemoteConfigStatuses.RemoteConfigStatuses_APPLIED_VALUE -> 0;
      case RemoteConfigStatuses.RemoteConfigStatuses_APPLYING_VALUE -> 1;
      case RemoteConfigStatuses.RemoteConfigStatuses_FAILED_VALUE -> 2;
      default -> 3; // UNSET, or a value newer than this gateway
    };
  }
}
