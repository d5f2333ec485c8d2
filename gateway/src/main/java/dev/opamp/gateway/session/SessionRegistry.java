package dev.opamp.gateway.session;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agents whose sessions this node holds, by instance uid key, and how many per transport.
 * Shared by all event loops of the node; a uid can be held by one live session at a time.
 */
public final class SessionRegistry {

  private final Map<String, AgentChannel> byUid = new ConcurrentHashMap<>();
  private final AtomicInteger[] counts = new AtomicInteger[Transport.values().length];

  public SessionRegistry() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new AtomicInteger();
    }
  }

  /** Claims {@code uidKey} for {@code channel}; false if another live channel already holds it. */
  public boolean claim(String uidKey, AgentChannel channel) {
    AgentChannel holder = byUid.putIfAbsent(uidKey, channel);
    if (holder == null) {
      counts[channel.transport().ordinal()].incrementAndGet();
      return true;
    }
    return holder == channel;
  }

  /** Releases {@code uidKey} if {@code channel} holds it. */
  public void release(String uidKey, AgentChannel channel) {
    if (byUid.remove(uidKey, channel)) {
      counts[channel.transport().ordinal()].decrementAndGet();
    }
  }

  public AgentChannel holder(String uidKey) {
    return byUid.get(uidKey);
  }

  /** Sessions held by this node on {@code transport}: the {@code opamp_agents_connected} gauge. */
  public int connected(Transport transport) {
    return counts[transport.ordinal()].get();
  }

  public int size() {
    return byUid.size();
  }
}
