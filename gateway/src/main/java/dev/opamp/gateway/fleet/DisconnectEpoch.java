package dev.opamp.gateway.fleet;

import com.hazelcast.map.EntryProcessor;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.io.Serializable;
import java.util.Map;

/** Marks an agent disconnected when its session ends, unless a newer session (another epoch) holds it. */
public final class DisconnectEpoch implements EntryProcessor<String, AgentRecord, Boolean>, Serializable {

  private static final long serialVersionUID = 1L;
  private final long epoch;
  private final long nowMillis;

  public DisconnectEpoch(long epoch, long nowMillis) {
    this.epoch = epoch;
    this.nowMillis = nowMillis;
  }

  @Override
  public Boolean process(Map.Entry<String, AgentRecord> entry) {
    AgentRecord stored = entry.getValue();
    if (stored == null || stored.getConnection().getEpoch() != epoch || !stored.getConnection().getConnected()) {
      return false;
    }
    entry.setValue(disconnected(stored, nowMillis));
    return true;
  }

  static AgentRecord disconnected(AgentRecord stored, long nowMillis) {
    return stored.toBuilder()
        .setConnection(stored.getConnection().toBuilder().setConnected(false).setSinceUnixMs(nowMillis))
        .build();
  }
}
