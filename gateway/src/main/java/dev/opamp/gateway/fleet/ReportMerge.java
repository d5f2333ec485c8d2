package dev.opamp.gateway.fleet;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.map.EntryProcessor;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.IdentifiedDataSerializable;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.Connection;
import dev.opamp.gateway.fleet.proto.MergeOutcome;
import java.io.IOException;
import java.util.Map;

/**
 * Merges what one agent reported into its stored record, on the member that owns the record's
 * partition (so concurrent reports cannot lose each other's parts). Status compression: a part
 * the report leaves out keeps its stored value.
 *
 * <p>The report travels as protobuf bytes of an {@link AgentRecord} holding only the parts the
 * agent sent; {@code connection}, when set, names the session that now holds the agent. The
 * answer is a {@link MergeOutcome}'s bytes ({@link ReportOutcome#decode}).
 */
public final class ReportMerge implements EntryProcessor<String, AgentRecord, byte[]>, IdentifiedDataSerializable {


  private byte[] report;
  private long nowMillis;

  /** For Hazelcast, which fills the fields with {@link #readData}. */
  ReportMerge() {}

  public ReportMerge(AgentRecord report, long nowMillis) {
    this.report = report.toByteArray();
    this.nowMillis = nowMillis;
  }

  @Override
  public byte[] process(Map.Entry<String, AgentRecord> entry) {
    AgentRecord stored = entry.getValue();
    AgentRecord delta = parse(report);
    AgentRecord merged = merge(stored, delta, nowMillis);
    boolean changed = !merged.equals(stored);
    if (changed) {
      entry.setValue(merged);
    }
    MergeOutcome.Builder outcome = MergeOutcome.newBuilder()
        .setExisted(stored != null)
        .setChanged(changed)
        .setHasDescription(merged.hasDescription())
        .setStoredComponentsHash(merged.getAvailableComponents().getHash())
        .setHasComponentDetails(merged.getAvailableComponents().getComponentsCount() > 0)
        .setHasEffectiveConfig(!merged.getEffectiveConfigHash().isEmpty());
    if (merged.hasHealth()) {
      outcome.setHealthy(merged.getHealth().getHealthy());
    }
    if (merged.hasRemoteConfigStatus()) {
      outcome.setRemoteConfigStatus(merged.getRemoteConfigStatus().getStatusValue());
    }
    Connection displaced = displacedHolder(stored, delta);
    if (displaced != null) {
      outcome.setPreviousNode(displaced.getNode()).setPreviousEpoch(displaced.getEpoch());
    }
    if (offersMayChange(delta)) {
      outcome.setOfferView(offerView(merged));
    }
    return outcome.build().toByteArray();
  }

  /**
   * A new session, a new description (selectors match on it) or a status an offer answers
   * (a certificate request, package statuses) may change what the agent should be offered.
   */
  private static boolean offersMayChange(AgentRecord delta) {
    return delta.hasConnection() || delta.hasDescription() || delta.hasConnectionSettingsRequest()
        || delta.hasPackageStatuses() || delta.hasConnectionSettingsStatus();
  }

  private static AgentRecord offerView(AgentRecord merged) {
    return merged.toBuilder()
        .clearHealth()
        .clearAvailableComponents()
        .clearCustomCapabilities()
        .clearLastCustomMessage()
        .build();
  }

  /** The live session the report's new connection displaces, if any. */
  private static Connection displacedHolder(AgentRecord stored, AgentRecord delta) {
    if (stored == null || !delta.hasConnection() || !stored.getConnection().getConnected()) {
      return null;
    }
    Connection before = stored.getConnection();
    if (before.getEpoch() == delta.getConnection().getEpoch()) {
      return null;
    }
    return before;
  }

  /** The merge itself, separate from Hazelcast so it can be tested and reasoned about alone. */
  static AgentRecord merge(AgentRecord stored, AgentRecord delta, long nowMillis) {
    AgentRecord.Builder b = stored == null
        ? AgentRecord.newBuilder().setInstanceUid(delta.getInstanceUid()).setFirstSeenUnixMs(nowMillis)
        : stored.toBuilder();
    boolean statusChanged = false;
    if (delta.getCapabilities() != b.getCapabilities()) {
      b.setCapabilities(delta.getCapabilities());
      statusChanged = true;
    }
    if (delta.hasDescription() && !delta.getDescription().equals(b.getDescription())) {
      b.setDescription(delta.getDescription());
      statusChanged = true;
    }
    if (delta.hasHealth() && !delta.getHealth().equals(b.getHealth())) {
      b.setHealth(delta.getHealth());
      statusChanged = true;
    }
    if (!delta.getEffectiveConfigHash().isEmpty()
        && !delta.getEffectiveConfigHash().equals(b.getEffectiveConfigHash())) {
      b.setEffectiveConfigHash(delta.getEffectiveConfigHash());
      statusChanged = true;
    }
    if (delta.hasRemoteConfigStatus() && !delta.getRemoteConfigStatus().equals(b.getRemoteConfigStatus())) {
      b.setRemoteConfigStatus(delta.getRemoteConfigStatus());
      statusChanged = true;
    }
    if (delta.hasPackageStatuses() && !delta.getPackageStatuses().equals(b.getPackageStatuses())) {
      b.setPackageStatuses(delta.getPackageStatuses());
      statusChanged = true;
    }
    if (delta.hasConnectionSettingsStatus()
        && !delta.getConnectionSettingsStatus().equals(b.getConnectionSettingsStatus())) {
      b.setConnectionSettingsStatus(delta.getConnectionSettingsStatus());
      statusChanged = true;
    }
    if (delta.hasCustomCapabilities() && !delta.getCustomCapabilities().equals(b.getCustomCapabilities())) {
      b.setCustomCapabilities(delta.getCustomCapabilities());
      statusChanged = true;
    }
    if (delta.hasAvailableComponents()) {
      statusChanged |= mergeComponents(b, delta);
    }
    if (delta.hasConnectionSettingsRequest()
        && !delta.getConnectionSettingsRequest().equals(b.getConnectionSettingsRequest())) {
      b.setConnectionSettingsRequest(delta.getConnectionSettingsRequest());
      statusChanged = true;
    }
    if (delta.hasLastCustomMessage()) {
      b.setLastCustomMessage(delta.getLastCustomMessage());
    }
    if (delta.hasConnection()) {
      b.setConnection(delta.getConnection());
    }
    if (statusChanged) {
      b.setLastStatusUnixMs(nowMillis).setSequenceNum(delta.getSequenceNum());
    }
    return b.build();
  }

  /**
   * A report with components replaces the map; a report with only a hash keeps the stored
   * components when the hash is the same, and drops them (keeping the new hash) when it is not,
   * so that the server knows it must ask for the full map.
   */
  private static boolean mergeComponents(AgentRecord.Builder b, AgentRecord delta) {
    var reported = delta.getAvailableComponents();
    var stored = b.getAvailableComponents();
    if (reported.getComponentsCount() > 0 || reported.getHash().isEmpty()) {
      if (reported.equals(stored)) {
        return false;
      }
      b.setAvailableComponents(reported);
      return true;
    }
    if (reported.getHash().equals(stored.getHash())) {
      return false;
    }
    b.setAvailableComponents(reported);
    return true;
  }

  private static AgentRecord parse(byte[] bytes) {
    try {
      return AgentRecord.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt report in fleet merge", e);
    }
  }

  @Override
  public int getFactoryId() {
    return FleetProcessors.FACTORY_ID;
  }

  @Override
  public int getClassId() {
    return FleetProcessors.REPORT_MERGE;
  }

  @Override
  public void writeData(ObjectDataOutput out) throws IOException {
    out.writeByteArray(report);
    out.writeLong(nowMillis);
  }

  @Override
  public void readData(ObjectDataInput in) throws IOException {
    report = in.readByteArray();
    nowMillis = in.readLong();
  }
}
