package dev.opamp.gateway.credentials;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.cluster.MapChanges;
import dev.opamp.gateway.credentials.proto.ConnectionSettingsDefinition;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.proto.ConnectionSettingsOffers;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * The named connection-settings definitions operators save (durable map
 * {@code desired-connection-settings}), and this node's copy of them, ordered by priority, so an
 * offer picks an agent's definition on the event loop without a cluster call. Every change
 * reloads the copy and tells the listeners when it changed; a periodic reload catches missed events.
 * A definition may hold staged settings ({@code "deploy": false}) that a rollout offers wave by
 * wave: the copy also knows, per definition, its latest rollout and the agents it touched.
 */
public final class ConnectionSettingsCatalog {

  public static final String MAP = "desired-connection-settings";
  private static final Logger LOG = Logger.getLogger(ConnectionSettingsCatalog.class.getName());
  private static final long RECONCILE_MILLIS = 15_000;

  /** A definition ready to match. */
  record Prepared(ConnectionSettingsDefinition definition, Selector selector) {}

  /** The latest rollout of a definition: its staged settings and the agents its waves touched. */
  private record Pin(String rollout, String state, ConnectionSettingsOffers staged, Set<String> touched) {
    boolean pinning() { // the rollout still decides what its touched agents get
      return "running".equals(state) || "paused".equals(state) || "aborted".equals(state);
    }
  }

  private record Loaded(List<Prepared> active, Map<String, Pin> pins) {}

  /**
   * The settings an agent is offered: those of {@code definition}, or a rollout's staged ones
   * ({@code rollout} set, {@code rolledBack} false), or the deployed ones again after that rollout
   * was rolled back ({@code rolledBack} true).
   */
  record Chosen(ConnectionSettingsDefinition definition, ConnectionSettingsOffers settings, String rollout,
      boolean rolledBack) {}

  private final Vertx vertx;
  private final IMap<String, byte[]> definitions;
  private final RolloutRepository rollouts;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private volatile Loaded loaded = new Loaded(List.of(), Map.of());
  private UUID listener;
  private UUID rolloutListener;
  private long timer = -1;

  public ConnectionSettingsCatalog(Vertx vertx, HazelcastInstance hazelcast, RolloutRepository rollouts) {
    this.vertx = vertx;
    this.definitions = hazelcast.getMap(MAP);
    this.rollouts = rollouts;
  }

  public Future<Void> start() {
    listener = definitions.addEntryListener(new MapChanges<String, byte[]>(this::reload), false);
    rolloutListener = rollouts.map().addEntryListener(new MapChanges<String, byte[]>(this::reload), false);
    // Catches missed events; the config catalog's periodic re-offer covers offers lost on their way.
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
    if (rolloutListener != null) {
      rollouts.map().removeEntryListener(rolloutListener);
    }
  }

  /** Called (on no particular thread) whenever the definitions changed. */
  public void onChange(Runnable listener) {
    changeListeners.add(listener);
  }

  /**
   * What an agent with these attributes is offered, or null: the highest-priority definition that
   * matches, or one whose latest rollout touched the agent. A touched agent gets the rollout's
   * staged settings while the rollout decides (running, paused, aborted) and the deployed ones
   * marked rolled back after a rollback.
   */
  Chosen resolve(String agentKey, Map<String, String> attributes) {
    Loaded now = loaded;
    for (Prepared p : now.active()) {
      Pin pin = now.pins().get(p.definition().getName());
      boolean touched = pin != null && pin.touched().contains(agentKey);
      if (touched && pin.pinning()) {
        return new Chosen(p.definition(), pin.staged(), pin.rollout(), false);
      }
      boolean rolledBack = touched && "rolled_back".equals(pin.state());
      if (rolledBack || p.selector().matches(attributes)) {
        return new Chosen(p.definition(), p.definition().getSettings(), rolledBack ? pin.rollout() : "", rolledBack);
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
      Map<String, Pin> pins = new HashMap<>();
      for (Rollout r : rollouts.all()) { // oldest first: the latest rollout of each definition wins
        if (!r.getConnectionSettings().isEmpty()) {
          Set<String> touched = new HashSet<>();
          r.getWavesList().forEach(w -> touched.addAll(w.getAgentsList()));
          pins.put(r.getConnectionSettings(), new Pin(r.getId(), r.getState(), r.getStagedConnectionSettings(),
              Set.copyOf(touched)));
        }
      }
      return new Loaded(List.copyOf(next), Map.copyOf(pins));
    }, false).map(next -> {
      boolean changed = !next.equals(loaded);
      loaded = next;
      if (changed) {
        changeListeners.forEach(Runnable::run);
      }
      return (Void) null;
    }).onFailure(e -> LOG.log(Level.WARNING, "could not load the connection-settings definitions", e));
  }

  // ---- the repository ----

  /**
   * Saves (creates or replaces) a definition. With {@code deploy} false its settings are only
   * staged (for a rollout): agents keep getting the settings the definition had, so it must exist
   * (409 otherwise); its selector and priority take effect at once either way.
   */
  public Future<ConnectionSettingsDefinition> save(ConnectionSettingsDefinition definition, boolean deploy) {
    return vertx.executeBlocking(() -> locked(definition.getName(), () -> {
      ConnectionSettingsDefinition.Builder stored = definition.toBuilder().clearStagedSettings()
          .setUpdatedUnixMs(System.currentTimeMillis());
      if (!deploy) {
        ConnectionSettingsDefinition before = definitionNow(definition.getName());
        if (before == null) {
          throw new RolloutRepository.RefusedException(409, "connection settings " + definition.getName() + " have nothing deployed "
              + "to stage a change against; save them with \"deploy\": true (the default) first");
        }
        stored.setSettings(before.getSettings()).setStagedSettings(definition.getSettings());
      }
      ConnectionSettingsDefinition out = stored.build();
      definitions.set(out.getName(), out.toByteArray());
      return out;
    }), false);
  }

  /** Blocking: the definition, or null. */
  ConnectionSettingsDefinition definitionNow(String name) {
    return CredentialStore.parse(definitions.get(name), ConnectionSettingsDefinition.parser());
  }

  /** Blocking: makes {@code settings} the definition's deployed settings (a rollout completed). */
  void deployNow(String name, ConnectionSettingsOffers settings) {
    locked(name, () -> {
      ConnectionSettingsDefinition d = definitionNow(name);
      if (d != null) {
        ConnectionSettingsDefinition.Builder b = d.toBuilder().setSettings(settings)
            .setUpdatedUnixMs(System.currentTimeMillis());
        if (d.getStagedSettings().equals(settings)) {
          b.clearStagedSettings();
        }
        definitions.set(name, b.build().toByteArray());
      }
      return null;
    });
  }

  /** Blocking: runs {@code work} holding the cluster-wide lock of a definition. */
  <T> T locked(String name, java.util.function.Supplier<T> work) {
    definitions.lock(name);
    try {
      return work.get();
    } finally {
      definitions.unlock(name);
    }
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
