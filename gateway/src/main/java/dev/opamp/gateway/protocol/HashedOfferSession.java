package dev.opamp.gateway.protocol;

import com.google.protobuf.ByteString;

/**
 * What every kind of offer remembers on a connection: the hash the agent last reported having
 * (applied, applying or failed) and the hash offered on this connection. Something is offered
 * once per connection, and never when the agent already reported it: no retry loops. A base
 * class rather than a field, so a session costs no extra object.
 */
public abstract class HashedOfferSession implements AgentOffer.Session {

  private ByteString reported = ByteString.EMPTY;
  private ByteString offered = ByteString.EMPTY;

  /** The agent reported this hash in its status. */
  protected final void agentReported(ByteString hash) {
    reported = hash;
  }

  /** The stored status names this hash: taken when the agent has reported none on this connection. */
  protected final void storedReport(ByteString hash) {
    if (reported.isEmpty()) {
      reported = hash;
    }
  }

  /** True, and remembered as offered, if {@code hash} is to be offered now. */
  protected final boolean due(ByteString hash) {
    if (hash.isEmpty() || hash.equals(reported) || hash.equals(offered)) {
      return false;
    }
    offered = hash;
    return true;
  }
}
