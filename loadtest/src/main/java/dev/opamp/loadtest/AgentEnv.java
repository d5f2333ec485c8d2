package dev.opamp.loadtest;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentConfigMap;
import dev.opamp.gateway.proto.EffectiveConfig;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpClient;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What every agent of a process shares: Vert.x, the counters, the profile and the behaviour
 * settings, and one copy of each remote config body (agents that applied the same config point at
 * the same object, so the simulator's heap does not grow with the fleet times the config size).
 */
final class AgentEnv {

  final Vertx vertx;
  final Stats stats;
  final AgentProfile profile;
  final long heartbeatMillis;
  final long applyDelayMillis;
  final double failureRate;
  final String authorization;
  /** Downloads package files (its pool bounds this process's concurrent downloads). */
  final HttpClient downloads;
  private final Map<ByteString, EffectiveConfig> configs = new ConcurrentHashMap<>();
  /** Bumped by a storm: agents that connect under a newer phase count towards its completion. */
  volatile int stormPhase;

  AgentEnv(Vertx vertx, Stats stats, AgentProfile profile, Options o, String authorization, HttpClient downloads) {
    this.vertx = vertx;
    this.stats = stats;
    this.profile = profile;
    this.heartbeatMillis = o.heartbeat.toMillis();
    this.applyDelayMillis = o.applyDelayMillis;
    this.failureRate = o.failureRate;
    this.authorization = authorization;
    this.downloads = downloads;
  }

  EffectiveConfig effectiveConfig(ByteString hash, AgentConfigMap offered) {
    return configs.computeIfAbsent(hash, h -> EffectiveConfig.newBuilder().setConfigMap(offered).build());
  }
}
