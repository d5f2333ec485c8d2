package dev.opamp.gateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The agents whose sessions this node holds, by instance uid key, and how many per transport.
 * Shared by all event loops of the node; a uid can be held by one live session at a time.
 */
public final class SessionRegistry {

  private final Map<String, LiveSession> byUid = new ConcurrentHashMap<>();
  private final AtomicInteger[] counts = new AtomicInteger[Transport.values().length];

  public SessionRegistry() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new AtomicInteger();
    }
  }

  /** Claims {@code uidKey} for {@code session}; false if another live session already holds it. */
  public boolean claim(String uidKey, LiveSession session) {
    LiveSession holder = byUid.putIfAbsent(uidKey, session);
    if (holder == null) {
      counts[session.channel().transport().ordinal()].incrementAndGet();
      return true;
    }
    return holder == session;
  }

  /** Releases {@code uidKey} if {@code session} holds it. */
  public void release(String uidKey, LiveSession session) {
    if (byUid.remove(uidKey, session)) {
      counts[session.channel().transport().ordinal()].decrementAndGet();
    }
  }

  public LiveSession holder(String uidKey) {
    return byUid.get(uidKey);
  }

  /** A snapshot of the sessions held now. */
  public List<LiveSession> sessions() {
    return new ArrayList<>(byUid.values());
  }

  /** Sessions held by this node on {@code transport}: the {@code opamp_agents_connected} gauge. */
  public int connected(Transport transport) {
    return counts[transport.ordinal()].get();
  }

  public int size() {
    return byUid.size();
  }
}
