package dev.opamp.gateway.fleet;

import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.io.IOException;
import java.util.Map;

/**
 * Records one part of what the gateway wants an agent to have (its config, packages, connection
 * settings): only that field of the stored record changes, on the partition owner, so it never
 * races with the agent's own reports.
 */
public final class SetDesiredPart implements EntryProcessor<String, AgentRecord, Boolean>, IdentifiedDataSerializable {

  private int fieldNumber;
  private byte[] carrier;

  /** For Hazelcast, which fills the fields with {@link #readData}. */
  SetDesiredPart() {}

  /**
   * @param fieldNumber the {@link AgentRecord} field to set (a {@code desired_*} message field)
   * @param carrier a record holding the new value in that field
   */
  public SetDesiredPart(int fieldNumber, AgentRecord carrier) {
    if (AgentRecord.getDescriptor().findFieldByNumber(fieldNumber) == null) {
      throw new IllegalArgumentException("no AgentRecord field " + fieldNumber);
    }
    this.fieldNumber = fieldNumber;
    this.carrier = carrier.toByteArray();
  }

  @Override
  public Boolean process(Map.Entry<String, AgentRecord> entry) {
    AgentRecord stored = entry.getValue();
    if (stored == null) {
      return false;
    }
    FieldDescriptor field = AgentRecord.getDescriptor().findFieldByNumber(fieldNumber);
    Object next;
    try {
      next = AgentRecord.parseFrom(carrier).getField(field);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt desired part", e);
    }
    if (next.equals(stored.getField(field))) {
      return false;
    }
    entry.setValue(stored.toBuilder().setField(field, next).build());
    return true;
  }

  @Override
  public int getFactoryId() {
    return FleetProcessors.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return FleetProcessors.SET_DESIRED_PART;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeInt(fieldNumber);
    out.writeByteArray(carrier);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    fieldNumber = in.readInt();
    carrier = in.readByteArray();
  }
}
