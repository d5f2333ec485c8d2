package dev.opamp.gateway.fleet;

import com.hazelcast.map.EntryProcessor;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.io.Serializable;
import java.util.Map;

/**
 * Marks disconnected every agent still shown connected to a node whose sessions are all gone: a
 * node that left the cluster (crashed or stopped), or a node starting afresh under the same name.
 * Agents that already reconnected elsewhere name another node and are left alone.
 */
public final class DisconnectNode implements EntryProcessor<String, AgentRecord, Boolean>, Serializable {

  private static final long serialVersionUID = 1L;
  private final String node;
  private final long beforeEpoch;
  private final long nowMillis;

  /** @param beforeEpoch only sessions older than this epoch are ended (Long.MAX_VALUE: all) */
  public DisconnectNode(String node, long beforeEpoch, long nowMillis) {
    this.node = node;
    this.beforeEpoch = beforeEpoch;
    this.nowMillis = nowMillis;
  }

  /** The records this processor may change; pass it to {@code executeOnEntries} to skip the rest. */
  public HeldByNode affected() {
    return new HeldByNode(node);
  }

  @Override
  public Boolean process(Map.Entry<String, AgentRecord> entry) {
    AgentRecord stored = entry.getValue();
    if (stored == null || !stored.getConnection().getConnected() || !node.equals(stored.getConnection().getNode())
        || stored.getConnection().getEpoch() >= beforeEpoch) {
      return false;
    }
    entry.setValue(DisconnectEpoch.disconnected(stored, nowMillis));
    return true;
  }
}
