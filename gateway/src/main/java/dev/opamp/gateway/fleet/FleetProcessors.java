package dev.opamp.gateway.fleet;

import com.hazelcast.nio.serialization.DataSerializableFactory;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;

/**
 * The entry processors that run on every agent message, written for Hazelcast by their fields
 * ({@link IdentifiedDataSerializable}): Java serialization would write each one's class
 * description into every message sent to a partition owner and its backup.
 */
public final class FleetProcessors implements DataSerializableFactory {

  /** Hazelcast factory id; positive and unique among the gateway's factories. */
  public static final int FACTORY_ID = 7302;

  static final int REPORT_MERGE = 1;
  static final int DISCONNECT_EPOCH = 2;
  static final int SEQUENCE_ADVANCE = 3;
  static final int SET_DESIRED_PART = 4;

  @Override
  public IdentifiedDataSerializable create(int typeId) {
    return switch (typeId) {
      case REPORT_MERGE -> new ReportMerge();
      case DISCONNECT_EPOCH -> new DisconnectEpoch();
      case SEQUENCE_ADVANCE -> new SequenceAdvance();
      case SET_DESIRED_PART -> new SetDesiredPart();
      default -> null;
    };
  }
}
