package dev.opamp.gateway.transport;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The HTTP agents this node is talking to, by the uid they send. An HTTP agent has no socket of
 * its own, so its session lives here between polls until it stops polling.
 */
final class HttpAgentChannels {

  private final Map<String, HttpAgentChannel> byUid = new ConcurrentHashMap<>();

  HttpAgentChannel get(String uidKey) {
    return byUid.get(uidKey);
  }

  /** Files {@code channel} under {@code uidKey} (after the server assigned a uid, under the new one). */
  void put(String uidKey, HttpAgentChannel channel) {
    String previous = channel.key();
    if (previous != null && !previous.equals(uidKey)) {
      byUid.remove(previous, channel);
    }
    channel.key(uidKey);
    byUid.put(uidKey, channel);
  }

  void remove(HttpAgentChannel channel) {
    String key = channel.key();
    if (key != null) {
      byUid.remove(key, channel);
    }
  }

  /** Ends the sessions of agents that stopped polling; each on its own context. */
  void expire(long nowNanos, long timeoutNanos) {
    for (HttpAgentChannel channel : byUid.values()) {
      if (nowNanos - channel.lastPollNanos() > timeoutNanos) {
        channel.context().runOnContext(v -> {
          if (System.nanoTime() - channel.lastPollNanos() > timeoutNanos) {
            channel.close((short) 1000, "agent stopped polling");
          }
        });
      }
    }
  }

  int size() {
    return byUid.size();
  }
}
