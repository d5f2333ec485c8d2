package dev.opamp.gateway.fleet;

import com.hazelcast.query.Predicate;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.util.Map;

/** Agents whose record says they are connected to {@code node}. */
public final class HeldByNode implements Predicate<String, AgentRecord> {

  private static final long serialVersionUID = 1L;
  private final String node;

  public HeldByNode(String node) {
    this.node = node;
  }

  @Override
  public boolean apply(Map.Entry<String, AgentRecord> entry) {
    AgentRecord r = entry.getValue();
    return r != null && r.getConnection().getConnected() && node.equals(r.getConnection().getNode());
  }
}
