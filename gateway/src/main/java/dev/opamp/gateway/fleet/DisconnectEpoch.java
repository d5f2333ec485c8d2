package dev.opamp.gateway.fleet;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.io.IOException;
import java.util.Map;

/** Marks an agent disconnected when its session ends, unless a newer session (another epoch) holds it. */
public final class DisconnectEpoch implements EntryProcessor<String, AgentRecord, Boolean>, IdentifiedDataSerializable {

  private long epoch;
  private long nowMillis;

  /** For Hazelcast, which fills the fields with {@link #readData}. */
  DisconnectEpoch() {}

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

  @Override
  public int getFactoryId() {
    return FleetProcessors.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return FleetProcessors.DISCONNECT_EPOCH;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(epoch);
    out.writeLong(nowMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    epoch = in.readLong();
    nowMillis = in.readLong();
  }
}
