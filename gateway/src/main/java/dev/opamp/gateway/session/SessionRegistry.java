package dev.opamp.gateway.session;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The agents whose sessions this node holds, by instance uid key, and how many per transport.
 * Shared by all event loops of the node; a uid can be held by one live session at a time.
 */
public final class SessionRegistry {

  private final Map<String, LiveSession> byUid = new ConcurrentHashMap<>();
  private final AtomicInteger[] counts = new AtomicInteger[Transport.values().length];
  private final AtomicLong[] claims = new AtomicLong[Transport.values().length];
  private final AtomicLong[] releases = new AtomicLong[Transport.values().length];

  public SessionRegistry() {
    for (int i = 0; i < counts.length; i++) {
      counts[i] = new AtomicInteger();
      claims[i] = new AtomicLong();
      releases[i] = new AtomicLong();
    }
  }

  /** Claims {@code uidKey} for {@code session}; false if another live session already holds it. */
  public boolean claim(String uidKey, LiveSession session) {
    LiveSession holder = byUid.putIfAbsent(uidKey, session);
    if (holder == null) {
      counts[session.channel().transport().ordinal()].incrementAndGet();
      claims[session.channel().transport().ordinal()].incrementAndGet();
      return true;
    }
    return holder == session;
  }

  /** Releases {@code uidKey} if {@code session} holds it. */
  public void release(String uidKey, LiveSession session) {
    if (byUid.remove(uidKey, session)) {
      counts[session.channel().transport().ordinal()].decrementAndGet();
      releases[session.channel().transport().ordinal()].incrementAndGet();
    }
  }

  public LiveSession holder(String uidKey) {
    return byUid.get(uidKey);
  }

  /** A snapshot of the uid keys held now. */
  public List<String> keys() {
    return new ArrayList<>(byUid.keySet());
  }

  /** A snapshot of the sessions held now. */
  public List<LiveSession> sessions() {
    return new ArrayList<>(byUid.values());
  }

  /** Sessions held by this node on {@code transport}: the {@code opamp_agents_connected} gauge. */
  public int connected(Transport transport) {
    return counts[transport.ordinal()].get();
  }

  /** Sessions that ever claimed a uid on {@code transport}: the {@code opamp_sessions_opened_total} counter. */
  public long opened(Transport transport) {
    return claims[transport.ordinal()].get();
  }

  /** Sessions that released their uid on {@code transport}: the {@code opamp_sessions_closed_total} counter. */
  public long closed(Transport transport) {
    return releases[transport.ordinal()].get();
  }

  public int size() {
    return byUid.size();
  }
}
