package dev.opamp.gateway.fleet;

import com.hazelcast.map.EntryProcessor;
import com.hazelcast.map.ExtendedMapEntry;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Records the sequence number of an HTTP agent's message cluster-wide and tells whether it
 * skipped one: an HTTP agent's polls may land on any node, so its sequence is kept in the cluster,
 * not in one node's session. The entry expires when the agent stops polling.
 */
public final class SequenceAdvance implements EntryProcessor<String, Long, Boolean>, IdentifiedDataSerializable {

  private long sequence;
  private long ttlMillis;

  /** For Hazelcast, which fills the fields with {@link #readData}. */
  SequenceAdvance() {}

  public SequenceAdvance(long sequence, long ttlMillis) {
    this.sequence = sequence;
    this.ttlMillis = ttlMillis;
  }

  /** True when the previous message this agent sent, on any node, was not {@code sequence - 1}. */
  @Override
  public Boolean process(Map.Entry<String, Long> entry) {
    Long previous = entry.getValue();
    ((ExtendedMapEntry<String, Long>) entry).setValue(sequence, ttlMillis, TimeUnit.MILLISECONDS);
    return previous != null && sequence != previous + 1;
  }

  @Override
  public int getFactoryId() {
    return FleetProcessors.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return FleetProcessors.SEQUENCE_ADVANCE;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeLong(sequence);
    out.writeLong(ttlMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    sequence = in.readLong();
    ttlMillis = in.readLong();
  }
}
