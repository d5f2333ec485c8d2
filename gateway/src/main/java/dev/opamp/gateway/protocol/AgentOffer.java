package dev.opamp.gateway.protocol;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;

/**
 * One kind of desired state the server offers agents: a remote config, connection settings,
 * packages. The protocol asks each kind, whenever the agent's situation may have changed (a new
 * session, a new description, a status the offer answers, or a change of desired state on the
 * operator's side), to add what the agent should be offered now to the reply.
 */
public interface AgentOffer {

  /** Per-connection memory of this kind of offer. */
  Session open();

  /**
   * What one connection offered and what its agent reported. Confined to the session's event
   * loop; must not block (cluster writes are asynchronous, fire and forget).
   */
  interface Session {

    /** Notes what the agent sent, before the report is stored. */
    default void reported(AgentToServer message) {}

    /** Adds to {@code reply} what {@code agent} should be offered now, if anything is due. */
    void offer(Target agent, ServerToAgent.Builder reply);
  }

  /**
   * The agent an offer is worked out for.
   *
   * @param uid the instance uid the agent is stored under
   * @param key its fleet key
   * @param capabilities the capability bits it declared last
   * @param stored its stored record (without health, components and custom messages)
   */
  record Target(ByteString uid, String key, long capabilities, AgentRecord stored) {

    public boolean declares(long capability) {
      return (capabilities & capability) != 0;
    }
  }
}
