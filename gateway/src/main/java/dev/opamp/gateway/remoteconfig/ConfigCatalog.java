package dev.opamp.gateway.remoteconfig;

import com.google.protobuf.ByteString;
import com.hazelcast.map.listener.EntryAddedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import com.hazelcast.map.listener.EntryUpdatedListener;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.fleet.proto.DesiredConfig;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.protocol.RemoteConfigs;
import dev.opamp.gateway.remoteconfig.proto.ConfigHead;
import dev.opamp.gateway.remoteconfig.proto.ConfigVersion;
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
 * This node's copy of the active configs, kept in step with the cluster: every change of a head
 * reloads it, and a periodic reload catches any change this node missed (level-triggered). It
 * answers, on the event loop and without cluster calls, which config an agent should run.
 */
public final class ConfigCatalog implements RemoteConfigs {

  private static final Logger LOG = Logger.getLogger(ConfigCatalog.class.getName());
  private static final long RELOAD_MILLIS = 30_000;

  /** An active config, ready to match and (without variables) already rendered. */
  private record Active(ConfigVersion version, Selector selector, AgentRemoteConfig rendered) {}

  private final Vertx vertx;
  private final ConfigRepository repository;
  private final List<Runnable> changeListeners = new CopyOnWriteArrayList<>();
  private volatile List<Active> active = List.of();
  private UUID listener;
  private long timer;

  public ConfigCatalog(Vertx vertx, ConfigRepository repository) {
    this.vertx = vertx;
    this.repository = repository;
  }

  /** Loads the active configs and follows their changes. */
  public Future<Void> start() {
    listener = repository.headsMap().addEntryListener(new HeadListener(), false);
    timer = vertx.setPeriodic(RELOAD_MILLIS, id -> reload());
    return reload();
  }

  public void stop() {
    vertx.cancelTimer(timer);
    if (listener != null) {
      repository.headsMap().removeEntryListener(listener);
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
    for (Active a : active) {
      if (!a.selector().matches(attributes)) {
        continue;
      }
      DesiredConfig.Builder desired = DesiredConfig.newBuilder()
          .setName(a.version().getName())
          .setVersion(a.version().getVersion());
      try {
        AgentRemoteConfig offer = a.rendered() != null
            ? a.rendered()
            : ConfigRendering.render(a.version(), attributes, instanceUid);
        return new Resolution(desired.setHash(offer.getConfigHash()).build(), offer);
      } catch (ConfigRendering.MissingAttributeException e) {
        return new Resolution(desired.setError(e.getMessage()).build(), null);
      }
    }
    return Resolution.NONE;
  }

  Future<Void> reload() {
    return vertx.executeBlocking(() -> {
      List<Active> next = new ArrayList<>();
      for (byte[] bytes : repository.headsMap().values()) {
        ConfigHead head = HeadChange.parse(bytes);
        if (head.getDeleted() || head.getActiveVersion() == 0) {
          continue;
        }
        ConfigVersion v = repository.versionNow(head.getName(), head.getActiveVersion());
        if (v != null) {
          AgentRemoteConfig rendered = v.getHasVariables() ? null : ConfigRendering.render(v, Map.of(), ByteString.EMPTY);
          next.add(new Active(v, Selector.parse(v.getSelector()), rendered));
        }
      }
      // Highest priority first; among equals, the name decides, so every node picks the same.
      next.sort(Comparator.comparingInt((Active a) -> -a.version().getPriority())
          .thenComparing(a -> a.version().getName()));
      return next;
    }, false).map(next -> {
      boolean changed = !sameVersions(active, next);
      active = List.copyOf(next);
      if (changed) {
        changeListeners.forEach(Runnable::run);
      }
      return (Void) null;
    }).onFailure(e -> LOG.log(Level.WARNING, "could not load the active configs", e));
  }

  private static boolean sameVersions(List<Active> a, List<Active> b) {
    if (a.size() != b.size()) {
      return false;
    }
    for (int i = 0; i < a.size(); i++) {
      if (!a.get(i).version().equals(b.get(i).version())) {
        return false;
      }
    }
    return true;
  }

  private final class HeadListener implements EntryAddedListener<String, byte[]>,
      EntryUpdatedListener<String, byte[]>, EntryRemovedListener<String, byte[]> {
    @Override
    public void entryAdded(com.hazelcast.core.EntryEvent<String, byte[]> event) {
      reload();
    }

    @Override
    public void entryUpdated(com.hazelcast.core.EntryEvent<String, byte[]> event) {
      reload();
    }

    @Override
    public void entryRemoved(com.hazelcast.core.EntryEvent<String, byte[]> event) {
      reload();
    }
  }
}
