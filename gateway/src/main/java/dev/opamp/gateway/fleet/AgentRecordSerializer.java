package dev.opamp.gateway.fleet;

import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.io.IOException;

/** Stores agent records in Hazelcast as their protobuf bytes: compact, and readable by any node version. */
public final class AgentRecordSerializer implements StreamSerializer<AgentRecord> {

  /** Hazelcast type id; positive and unique among the gateway's custom serializers. */
  public static final int TYPE_ID = 7301;

  @Override
  public void write(ObjectDataOutput out, AgentRecord record) throws IOException {
    out.writeByteArray(record.toByteArray());
  }

  @Override
  public AgentRecord read(ObjectDataInput in) throws IOException {
    return AgentRecord.parseFrom(in.readByteArray());
  }

  @Override
  public int getTypeId() {
    return TYPE_ID;
  }
}
