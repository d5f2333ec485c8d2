package dev.opamp.gateway.fleet;

import com.hazelcast.query.Predicate;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.util.Map;

/** Agents disconnected since before a point in time: those past their retention. */
public final class DisconnectedBefore implements Predicate<String, AgentRecord> {

  private static final long serialVersionUID = 1L;
  private final long cutoffMillis;

  public DisconnectedBefore(long cutoffMillis) {
    this.cutoffMillis = cutoffMillis;
  }

  @Override
  public boolean apply(Map.Entry<String, AgentRecord> entry) {
    AgentRecord r = entry.getValue();
    return r != null && !r.getConnection().getConnected() && r.getConnection().getSinceUnixMs() < cutoffMillis;
  }
}
