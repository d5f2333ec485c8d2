package dev.opamp.gateway.protocol;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.tls.AgentIdentity;
import java.security.cert.X509Certificate;

/**
 * Which instance uids a connection's client certificate lets it use. A certificate that names an
 * agent ({@link AgentIdentity}) binds the connection to that agent's uid, or to a uid the server
 * assigned to this session while it held that certificate; one that names no agent (an operator
 * bundle's) binds nothing. Once bound, the session only takes messages under the same binding.
 */
final class CertificateBinding {

  private X509Certificate seen;
  private String seenKey;
  /** The agent this session is bound to (null while unbound). */
  private String boundKey;
  /** The agent whose certificate the session held when the server assigned its uid. */
  private String assignedFor;

  /**
   * Null if a message with {@code sent} as instance uid may go on from a peer presenting
   * {@code peer}; otherwise why it is refused, short enough for a WebSocket close reason.
   */
  String refusal(X509Certificate peer, ByteString sent, ByteString sessionUid) {
    String certified = keyOf(peer);
    if (certified != null && InstanceUids.isValid(sent)) {
      boolean own = InstanceUids.key(sent).equals(certified);
      boolean assignedHere = sent.equals(sessionUid) && certified.equals(assignedFor);
      if (!own && !assignedHere) {
        return "the client certificate was issued to agent " + certified;
      }
    }
    if (boundKey != null && !boundKey.equals(certified)) {
      return certified == null ? "this session belongs to a client certificate of agent " + boundKey
          : "the client certificate was issued to agent " + certified;
    }
    if (certified != null) {
      boundKey = certified; // an invalid uid is replaced by one the server assigns to this agent
    }
    return null;
  }

  /** The server assigned this session a uid: the bound agent may use it. */
  void assigned() {
    assignedFor = boundKey;
  }

  private String keyOf(X509Certificate peer) {
    if (peer == null) {
      return null;
    }
    if (peer != seen) { // the same connection hands over the same object
      seen = peer;
      seenKey = AgentIdentity.keyOf(peer).orElse(null);
    }
    return seenKey;
  }
}
