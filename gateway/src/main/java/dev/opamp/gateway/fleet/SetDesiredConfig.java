package dev.opamp.gateway.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.map.EntryProcessor;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.DesiredConfig;
import java.io.Serializable;
import java.util.Map;

/** Records which config the gateway wants an agent to run (only that field changes). */
public final class SetDesiredConfig implements EntryProcessor<String, AgentRecord, Boolean>, Serializable {

  private static final long serialVersionUID = 1L;
  private final byte[] desired;

  public SetDesiredConfig(DesiredConfig desired) {
    this.desired = desired.toByteArray();
  }

  @Override
  public Boolean process(Map.Entry<String, AgentRecord> entry) {
    AgentRecord stored = entry.getValue();
    if (stored == null) {
      return false;
    }
    DesiredConfig next;
    try {
      next = DesiredConfig.parseFrom(desired);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt desired config", e);
    }
    if (next.equals(stored.getDesiredConfig())) {
      return false;
    }
    entry.setValue(stored.toBuilder().setDesiredConfig(next).build());
    return true;
  }
}
