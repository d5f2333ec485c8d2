package dev.opamp.gateway.fleet;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import com.hazelcast.query.Predicate;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.proto.EffectiveConfig;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The fleet as stored in the cluster: agent records in a partitioned map keyed by instance uid
 * (32 hex digits), and effective-config bodies stored once by content hash.
 *
 * <p>Every method returns a Vert.x future completed on the caller's context; nothing here blocks
 * an event loop (async map operations, and queries on worker threads).
 */
public final class FleetStore {

  public static final String AGENTS_MAP = "agents";
  public static final String CONFIG_BLOBS_MAP = "config-blobs";
  public static final String HTTP_SEQUENCES_MAP = "http-sequences";

  private final Vertx vertx;
  private final IMap<String, AgentRecord> agents;
  private final IMap<String, byte[]> configBlobs;
  private final IMap<String, Long> httpSequences;
  /**
   * Effective-config bodies this node stored recently, with their hashes. Most agents report one
   * of a few bodies (the configs they were given): a repeat costs a map lookup, not a SHA-256.
   */
  private final RecentMap<ByteString, ByteString> storedBodies = new RecentMap<>(256);

  public FleetStore(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.agents = hazelcast.getMap(AGENTS_MAP);
    this.configBlobs = hazelcast.getMap(CONFIG_BLOBS_MAP);
    this.httpSequences = hazelcast.getMap(HTTP_SEQUENCES_MAP);
  }

  /** Merges a report (only the parts the agent sent) into the agent's record. */
  public Future<ReportOutcome> applyReport(String key, AgentRecord report) {
    return onCaller(agents.submitToKey(key, new ReportMerge(report, System.currentTimeMillis())))
        .map(ReportOutcome::decode);
  }

  /**
   * Records one part of what the gateway wants the agent to have: {@code fieldNumber} names an
   * {@link AgentRecord} field and {@code carrier} holds its new value. True if it changed.
   */
  public Future<Boolean> setDesired(String key, int fieldNumber, AgentRecord carrier) {
    return onCaller(agents.submitToKey(key, new SetDesiredPart(fieldNumber, carrier)));
  }

  /**
   * The records of these agents (absent ones left out), each read on its own partition at once.
   * Not {@code getAll}: it sends every key to every partition, which filters out its own, a cost
   * of partitions times keys.
   */
  public Future<Map<String, AgentRecord>> records(Set<String> keys) {
    if (keys.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    Context context = vertx.getOrCreateContext();
    Promise<Map<String, AgentRecord>> all = Promise.promise();
    Map<String, AgentRecord> found = new ConcurrentHashMap<>();
    AtomicInteger unanswered = new AtomicInteger(keys.size());
    AtomicBoolean failed = new AtomicBoolean();
    for (String key : keys) {
      agents.getAsync(key).whenComplete((record, failure) -> {
        if (failure != null) {
          if (failed.compareAndSet(false, true)) {
            context.runOnContext(v -> all.fail(failure));
          }
          return;
        }
        if (record != null) {
          found.put(key, record);
        }
        if (unanswered.decrementAndGet() == 0 && !failed.get()) {
          context.runOnContext(v -> all.complete(found));
        }
      });
    }
    return all.future();
  }

  /** The records of these agents (absent ones left out), blocking: for callers on a worker thread. */
  public Map<String, AgentRecord> getAllNow(Set<String> keys) {
    return agents.getAll(keys);
  }

  /** Every record matching {@code query}, by key: a cluster-wide scan, blocking, for callers on a worker thread. */
  public Map<String, AgentRecord> recordsNow(Predicate<String, AgentRecord> query) {
    Map<String, AgentRecord> out = new java.util.HashMap<>();
    for (Map.Entry<String, AgentRecord> e : agents.entrySet(query)) {
      out.put(e.getKey(), e.getValue());
    }
    return out;
  }

  /** Records an HTTP agent's sequence number cluster-wide; true if it skipped one since its last message. */
  public Future<Boolean> advanceHttpSequence(String key, long sequence, Duration keepFor) {
    return onCaller(httpSequences.submitToKey(key, new SequenceAdvance(sequence, keepFor.toMillis())));
  }

  /** Marks the agent disconnected if the session {@code epoch} still holds it. */
  public Future<Boolean> markDisconnected(String key, long epoch) {
    return onCaller(agents.submitToKey(key, new DisconnectEpoch(epoch, System.currentTimeMillis())));
  }

  /**
   * Marks disconnected every agent the records show connected to {@code node} through a session
   * older than {@code beforeEpoch}; answers how many were changed.
   */
  public Future<Integer> disconnectNode(String node, long beforeEpoch) {
    DisconnectNode processor = new DisconnectNode(node, beforeEpoch, System.currentTimeMillis());
    return vertx.executeBlocking(() -> countTrue(agents.executeOnEntries(processor, processor.affected())), false);
  }

  /** Forgets agents disconnected for longer than {@code retention}; answers how many. */
  public Future<Integer> expireDisconnected(Duration retention) {
    DisconnectedBefore expired = new DisconnectedBefore(System.currentTimeMillis() - retention.toMillis());
    return vertx.executeBlocking(() -> {
      Set<String> keys = agents.keySet(expired);
      keys.forEach(agents::delete);
      return keys.size();
    }, false);
  }

  /** The keys of every agent matching {@code query} (a cluster-wide scan, on a worker thread). */
  public Future<Set<String>> keys(Predicate<String, AgentRecord> query) {
    return vertx.executeBlocking(() -> agents.keySet(query), false);
  }

  public Future<AgentRecord> get(String key) {
    return onCaller(agents.getAsync(key));
  }

  /**
   * Stores an effective config once under the SHA-256 of its bytes and returns that hash. A body
   * this node stored recently (the common case: many agents, one config) costs a lookup only.
   */
  public Future<ByteString> storeEffectiveConfig(EffectiveConfig config) {
    ByteString body = config.toByteString();
    ByteString known = storedBodies.get(body);
    if (known != null) {
      return Future.succeededFuture(known);
    }
    byte[] bytes = body.toByteArray();
    ByteString hash = ByteString.copyFrom(sha256(bytes));
    return onCaller(configBlobs.setAsync(Hex.hex(hash), bytes)).map(v -> {
      storedBodies.put(body, hash);
      return hash;
    });
  }

  public Future<EffectiveConfig> effectiveConfig(ByteString hash) {
    if (hash.isEmpty()) {
      return Future.succeededFuture(null);
    }
    return onCaller(configBlobs.getAsync(Hex.hex(hash))).map(bytes -> {
      if (bytes == null) {
        return null;
      }
      try {
        return EffectiveConfig.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw new IllegalStateException("stored effective config " + Hex.hex(hash) + " is corrupt", e);
      }
    });
  }

  /** One page of records matching {@code query}, ordered by key, at most {@code limit} long. */
  public Future<List<AgentRecord>> list(Predicate<String, AgentRecord> query, int limit) {
    // Hazelcast has no async query API: run the cluster-wide scan on a worker thread.
    return vertx.executeBlocking(() -> {
      List<Map.Entry<String, AgentRecord>> entries = new ArrayList<>(agents.entrySet(query));
      entries.sort(Map.Entry.comparingByKey(Comparator.naturalOrder()));
      List<AgentRecord> page = new ArrayList<>(Math.min(limit, entries.size()));
      for (int i = 0; i < entries.size() && i < limit; i++) {
        page.add(entries.get(i).getValue());
      }
      return page;
    }, false);
  }

  private static int countTrue(Map<String, Boolean> results) {
    int n = 0;
    for (Boolean changed : results.values()) {
      if (Boolean.TRUE.equals(changed)) {
        n++;
      }
    }
    return n;
  }

  public static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }

  /** Completes a Vert.x future from a Hazelcast stage, back on the calling context. */
  private <T> Future<T> onCaller(CompletionStage<T> stage) {
    return HazelcastFutures.onContext(vertx.getOrCreateContext(), stage);
  }
}
