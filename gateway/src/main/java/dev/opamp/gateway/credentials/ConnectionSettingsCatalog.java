package dev.opamp.gateway.credentials;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.cluster.MapChanges;
import dev.opamp.gateway.credentials.proto.ConnectionSettingsDefinition;
import dev.opamp.gateway.fleet.Selector;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The named connection-settings definitions operators save (durable map
 * {@code desired-connection-settings}), and this node's copy of them, ordered by priority, so an
 * offer picks an agent's definition on the event loop without a cluster call. Every change
 * reloads the copy and tells the listeners when it changed; a periodic reload catches missed events.
 */
public final class ConnectionSettingsCatalog {

  public static final String MAP = "desired-connection-settings";
  private static final Logger LOG = Logger.getLogger(ConnectionSettingsCatalog.class.getName());
  private static final long RECONCILE_MILLIS = 15_000;

  /** A definition ready to match. */
  record Prepared(ConnectionSettingsDefinition definition, Selector selector) {}

  private final Vertx vertx;
  private final IMap<String, byte[]> definitions;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private volatile List<Prepared> active = List.of();
  private UUID listener;
  private long timer = -1;

  public ConnectionSettingsCatalog(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.definitions = hazelcast.getMap(MAP);
  }

  public Future<Void> start() {
    listener = definitions.addEntryListener(new MapChanges<String, byte[]>(this::reload), false);
    // Catches missed events; the config catalog's reconcile already re-offers every session.
    timer = vertx.setPeriodic(RECONCILE_MILLIS, id -> reload());
    return reload();
  }

  public void stop() {
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    if (listener != null) {
      definitions.removeEntryListener(listener);
    }
  }

  /** Called (on no particular thread) whenever the definitions changed. */
  public void onChange(Runnable listener) {
    changeListeners.add(listener);
  }

  /** The definition for an agent with these attributes: the highest priority that matches, or null. */
  ConnectionSettingsDefinition resolve(Map<String, String> attributes) {
    for (Prepared p : active) {
      if (p.selector().matches(attributes)) {
        return p.definition();
      }
    }
    return null;
  }

  /** Reloads now; completes once this node applies what the cluster holds. */
  public Future<Void> reload() {
    return load();
  }

  private Future<Void> load() {
    return vertx.executeBlocking(() -> {
      List<Prepared> next = new ArrayList<>();
      for (byte[] bytes : definitions.values()) {
        ConnectionSettingsDefinition d = CredentialStore.parse(bytes, ConnectionSettingsDefinition.parser());
        next.add(new Prepared(d, Selector.parse(d.getSelector())));
      }
      // Highest priority first; among equals the name decides, so every node picks the same.
      next.sort(Comparator.comparingInt((Prepared p) -> -p.definition().getPriority())
          .thenComparing(p -> p.definition().getName()));
      return next;
    }, false).map(next -> {
      boolean changed = !next.equals(active);
      active = List.copyOf(next);
      if (changed) {
        changeListeners.forEach(Runnable::run);
      }
      return (Void) null;
    }).onFailure(e -> LOG.log(Level.WARNING, "could not load the connection-settings definitions", e));
  }

  // ---- the repository ----

  /** Saves (creates or replaces) a definition. */
  public Future<ConnectionSettingsDefinition> save(ConnectionSettingsDefinition definition) {
    ConnectionSettingsDefinition stamped = definition.toBuilder().setUpdatedUnixMs(System.currentTimeMillis()).build();
    return vertx.executeBlocking(() -> {
      definitions.set(stamped.getName(), stamped.toByteArray());
      return stamped;
    }, false);
  }

  public Future<ConnectionSettingsDefinition> get(String name) {
    return vertx.executeBlocking(() -> CredentialStore.parse(definitions.get(name),
        ConnectionSettingsDefinition.parser()), false);
  }

  /** Every definition, by name. */
  public Future<List<ConnectionSettingsDefinition>> list() {
    return vertx.executeBlocking(() -> {
      List<ConnectionSettingsDefinition> out = new ArrayList<>();
      for (byte[] bytes : definitions.values()) {
        out.add(CredentialStore.parse(bytes, ConnectionSettingsDefinition.parser()));
      }
      out.sort(Comparator.comparing(ConnectionSettingsDefinition::getName));
      return out;
    }, false);
  }

  /** Deletes a definition; false if there was none. */
  public Future<Boolean> delete(String name) {
    return vertx.executeBlocking(() -> definitions.remove(name) != null, false);
  }
}
