package dev.opamp.gateway.remoteconfig;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.cluster.MapChanges;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.fleet.proto.DesiredConfig;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.protocol.RemoteConfigs;
import dev.opamp.gateway.remoteconfig.proto.ConfigHead;
import dev.opamp.gateway.remoteconfig.proto.ConfigOverride;
import dev.opamp.gateway.remoteconfig.proto.ConfigVersion;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import dev.opamp.gateway.protocol.InstanceUids;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Set;
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
 * This node's copy of the active configs and of the rollouts deciding versions, kept in step
 * with the cluster: every change of a head or a rollout reloads it, and a periodic reload catches any change this node missed (level-triggered). It
 * answers, on the event loop and without cluster calls, which config an agent should run.
 */
public final class ConfigCatalog implements RemoteConfigs {

  private static final Logger LOG = Logger.getLogger(ConfigCatalog.class.getName());
  /**
   * The level-triggered safety net: this often the catalog reloads, so a node that missed an
   * event still converges; listeners run when the reload finds a change.
   */
  private static final long RECONCILE_MILLIS = 15_000;
  /**
   * Every this many reloads (five minutes) listeners run even without a change: every session of
   * the node is offered again, a last resort for an offer lost on its way (a fan-out retries on
   * its own when it fails). Rarely, because it reads every record this node holds.
   */
  private static final int RE_OFFER_EVERY = 20;

  /** A config version, ready to match and (without variables) already rendered. */
  private record Prepared(ConfigVersion version, Selector selector, AgentRemoteConfig rendered) {
    static Prepared of(ConfigVersion v) throws ConfigRendering.MissingAttributeException {
      AgentRemoteConfig rendered = v.getHasVariables() ? null : ConfigRendering.render(v, Map.of(), ByteString.EMPTY);
      return new Prepared(v, Selector.parse(v.getSelector()), rendered);
    }
  }

  /** The latest rollout of a config that still decides versions: who it touched, and how. */
  private record Pin(String rollout, String state, Prepared version, long previousVersion, Set<String> touched) {
    boolean pinning() {
      return RolloutRepository.PINNING.contains(state);
    }
  }

  /** One config as agents see it: its active version (if any) and its rollout (if any). */
  private record Active(String name, int priority, Prepared active, Pin pin) {}

  private final Vertx vertx;
  private final ConfigRepository repository;
  private final RolloutRepository rollouts;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private volatile List<Active> active = List.of();
  /** Agents an operator pinned to a version, by fleet key. */
  private volatile Map<String, Prepared> overrides = Map.of();
  private UUID listener;
  /** Periodic reloads so far (on the timer's event loop only). */
  private int reconciles;
  private UUID rolloutListener;
  private UUID overrideListener;
  private long timer;

  public ConfigCatalog(Vertx vertx, ConfigRepository repository, RolloutRepository rollouts) {
    this.vertx = vertx;
    this.repository = repository;
    this.rollouts = rollouts;
  }

  /** Loads the active configs and follows their changes. */
  public Future<Void> start() {
    MapChanges<String, byte[]> changes = new MapChanges<>(this::reload);
    listener = repository.headsMap().addEntryListener(changes, false);
    rolloutListener = rollouts.map().addEntryListener(changes, false);
    overrideListener = repository.overridesMap().addEntryListener(changes, false);
    timer = vertx.setPeriodic(RECONCILE_MILLIS, id -> reconcile());
    return reload();
  }

  public void stop() {
    vertx.cancelTimer(timer);
    if (listener != null) {
      repository.headsMap().removeEntryListener(listener);
      rollouts.map().removeEntryListener(rolloutListener);
      repository.overridesMap().removeEntryListener(overrideListener);
    }
  }

  /** Called (on no particular thread) whenever the set of active configs changed. */
  public void onChange(Runnable listener) {
    changeListeners.add(listener);
  }

  @Override
  public Resolution resolve(AgentDescription description, ByteString instanceUid) {
    if (description == null) {
      return Resolution.NONE;
    }
    Map<String, String> attributes = Selector.attributesOf(description);
    String key = InstanceUids.key(instanceUid);
    Prepared pinned = overrides.get(key);
    if (pinned != null) {
      return rendered(pinned, DesiredConfig.newBuilder().setName(pinned.version().getName()).setOverride(true),
          attributes, instanceUid);
    }
    for (Active a : active) {
      Pin pin = a.pin();
      boolean touched = pin != null && pin.touched().contains(key);
      Prepared chosen;
      DesiredConfig.Builder desired = DesiredConfig.newBuilder().setName(a.name());
      if (touched && pin.pinning()) {
        chosen = pin.version();
        desired.setRollout(pin.rollout());
      } else if (a.active() != null && a.active().selector().matches(attributes)) {
        chosen = a.active();
        if (touched && "rolled_back".equals(pin.state())) {
          desired.setRollout(pin.rollout()).setRolledBackFrom(pin.version().version().getVersion());
        }
      } else {
        continue;
      }
      return rendered(chosen, desired, attributes, instanceUid);
    }
    return Resolution.NONE;
  }

  private static Resolution rendered(Prepared chosen, DesiredConfig.Builder desired, Map<String, String> attributes,
      ByteString instanceUid) {
    desired.setVersion(chosen.version().getVersion());
    try {
      AgentRemoteConfig offer = chosen.rendered() != null
          ? chosen.rendered()
          : ConfigRendering.render(chosen.version(), attributes, instanceUid);
      return new Resolution(desired.setHash(offer.getConfigHash()).build(), offer);
    } catch (ConfigRendering.MissingAttributeException e) {
      return new Resolution(desired.setError(e.getMessage()).build(), null);
    }
  }

  /** Reloads now; the future completes once this node applies what the cluster holds. */
  public Future<Void> reload() {
    return load(false);
  }

  private void reconcile() {
    reconciles++;
    load(reconciles % RE_OFFER_EVERY == 0);
  }

  private Future<Void> load(boolean notifyAnyway) {
    return vertx.executeBlocking(() -> new Loaded(load(), loadOverrides()), false).map(loaded -> {
      List<Active> next = loaded.active();
      boolean changed = !next.equals(active) || !loaded.overrides().equals(overrides);
      active = List.copyOf(next);
      overrides = loaded.overrides();
      if (changed || notifyAnyway) {
        changeListeners.forEach(Runnable::run);
      }
      return (Void) null;
    }).onFailure(e -> LOG.log(Level.WARNING, "could not load the active configs", e));
  }

  private record Loaded(List<Active> active, Map<String, Prepared> overrides) {}

  private Map<String, Prepared> loadOverrides() throws Exception {
    Map<String, Prepared> out = new HashMap<>();
    for (Map.Entry<String, byte[]> e : repository.overridesMap().entrySet()) {
      ConfigOverride o = ConfigOverride.parseFrom(e.getValue());
      ConfigVersion v = repository.versionNow(o.getConfig(), o.getVersion());
      if (v != null) {
        out.put(e.getKey(), Prepared.of(v));
      }
    }
    return Map.copyOf(out);
  }

  private List<Active> load() throws ConfigRendering.MissingAttributeException {
    Map<String, Pin> pins = new HashMap<>();
    for (Rollout r : rollouts.all()) { // oldest first: the latest rollout of each config wins
      if (r.getConfig().isEmpty()) {
        continue; // a rollout of packages or connection settings
      }
      if (!RolloutRepository.PINNING.contains(r.getState()) && !"rolled_back".equals(r.getState())) {
        pins.remove(r.getConfig());
        continue;
      }
      ConfigVersion v = repository.versionNow(r.getConfig(), r.getVersion());
      if (v != null) {
        Set<String> touched = new HashSet<>();
        r.getWavesList().forEach(w -> touched.addAll(w.getAgentsList()));
        pins.put(r.getConfig(), new Pin(r.getId(), r.getState(), Prepared.of(v), r.getPreviousVersion(), touched));
      }
    }
    List<Active> next = new ArrayList<>();
    for (byte[] bytes : repository.headsMap().values()) {
      ConfigHead head = HeadChange.parse(bytes);
      Pin pin = pins.remove(head.getName());
      if (head.getDeleted()) {
        continue;
      }
      ConfigVersion v = head.getActiveVersion() == 0 ? null
          : repository.versionNow(head.getName(), head.getActiveVersion());
      Prepared activeVersion = v == null ? null : Prepared.of(v);
      if (activeVersion != null || (pin != null && pin.pinning())) {
        int priority = activeVersion != null ? v.getPriority() : pin.version().version().getPriority();
        next.add(new Active(head.getName(), priority, activeVersion, pin));
      }
    }
    // Highest priority first; among equals, the name decides, so every node picks the same.
    next.sort(Comparator.comparingInt((Active a) -> -a.priority()).thenComparing(Active::name));
    return next;
  }
}
