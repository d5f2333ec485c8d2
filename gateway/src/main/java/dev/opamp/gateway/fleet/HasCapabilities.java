package dev.opamp.gateway.fleet;

import com.hazelcast.query.Predicate;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.util.Map;

/** Agents that declared every capability bit of a mask. */
public final class HasCapabilities implements Predicate<String, AgentRecord> {

  private static final long serialVersionUID = 1L;
  private final long required;

  public HasCapabilities(long required) {
    this.required = required;
  }

  @Override
  public boolean apply(Map.Entry<String, AgentRecord> entry) {
    AgentRecord r = entry.getValue();
    return r != null && (r.getCapabilities() & required) == required;
  }
}
