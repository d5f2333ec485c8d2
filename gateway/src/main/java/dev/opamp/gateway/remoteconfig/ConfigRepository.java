package dev.opamp.gateway.remoteconfig;

import com.google.protobuf.InvalidProtocolBufferException;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import dev.opamp.gateway.remoteconfig.proto.ConfigFile;
import dev.opamp.gateway.remoteconfig.proto.ConfigHead;
import dev.opamp.gateway.remoteconfig.proto.ConfigOverride;
import dev.opamp.gateway.remoteconfig.proto.ConfigVersion;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * The configs operators define, in the cluster's desired-state maps: a head per name (latest and
 * active version) and every immutable version. Blocking cluster calls run on worker threads.
 */
public final class ConfigRepository {

  public static final String HEADS_MAP = "desired-configs";
  public static final String VERSIONS_MAP = "desired-config-versions";
  public static final String OVERRIDES_MAP = "desired-config-overrides";

  private final Vertx vertx;
  private final IMap<String, byte[]> heads;
  private final IMap<String, byte[]> versions;
  private final IMap<String, byte[]> overrides;

  public ConfigRepository(Vertx vertx, HazelcastInstance hazelcast) {
    this.vertx = vertx;
    this.heads = hazelcast.getMap(HEADS_MAP);
    this.versions = hazelcast.getMap(VERSIONS_MAP);
    this.overrides = hazelcast.getMap(OVERRIDES_MAP);
  }

  IMap<String, byte[]> headsMap() {
    return heads;
  }

  IMap<String, byte[]> overridesMap() {
    return overrides;
  }

  /** Pins one agent to a version of a config; false if there is no such version. */
  public Future<Boolean> override(String agentKey, String config, long version, String message) {
    return vertx.executeBlocking(() -> {
      if (versionNow(config, version) == null) {
        return false;
      }
      overrides.set(agentKey, ConfigOverride.newBuilder().setConfig(config).setVersion(version)
          .setMessage(message).setCreatedUnixMs(System.currentTimeMillis()).build().toByteArray());
      return true;
    }, false);
  }

  /** Lets the agent follow the selectors again; false if it had no override. */
  public Future<Boolean> removeOverride(String agentKey) {
    return vertx.executeBlocking(() -> overrides.remove(agentKey) != null, false);
  }

  /** What an operator asks to save: the content of a new version. */
  public record Draft(String name, String selector, int priority, Map<String, ConfigFile> files, String message,
      String author, boolean deploy) {}

  /** A saved version, and which version of its config is active after the save. */
  public record Saved(ConfigVersion version, long activeVersion) {}

  /** Saves a new immutable version (and makes it the active one when the draft says deploy). */
  public Future<Saved> save(Draft draft) {
    return vertx.executeBlocking(() -> {
      ConfigHead head = HeadChange.parse(heads.executeOnKey(draft.name(), new HeadChange.NextVersion()));
      ConfigVersion version = ConfigVersion.newBuilder()
          .setName(draft.name())
          .setVersion(head.getLatestVersion())
          .setSelector(draft.selector())
          .setPriority(draft.priority())
          .putAllFiles(draft.files())
          .setMessage(draft.message())
          .setAuthor(draft.author())
          .setCreatedUnixMs(System.currentTimeMillis())
          .setHash(ConfigRendering.hashOf(draft.files()))
          .setHasVariables(ConfigRendering.hasVariables(draft.files()))
          .build();
      // The version is stored before it can become active, so a head never names a missing version.
      versions.set(versionKey(draft.name(), version.getVersion()), version.toByteArray());
      if (draft.deploy()) {
        head = HeadChange.parse(heads.executeOnKey(draft.name(), new HeadChange.Activate(version.getVersion())));
      }
      return new Saved(version, head.getActiveVersion());
    }, false);
  }

  public Future<ConfigHead> head(String name) {
    return vertx.executeBlocking(() -> {
      byte[] bytes = heads.get(name);
      return bytes == null ? null : HeadChange.parse(bytes);
    }, false);
  }

  /** Every config that is not deleted, by name. */
  public Future<List<ConfigHead>> heads() {
    return vertx.executeBlocking(() -> {
      List<ConfigHead> out = new ArrayList<>();
      for (byte[] bytes : heads.values()) {
        ConfigHead h = HeadChange.parse(bytes);
        if (!h.getDeleted()) {
          out.add(h);
        }
      }
      out.sort(Comparator.comparing(ConfigHead::getName));
      return out;
    }, false);
  }

  public Future<ConfigVersion> version(String name, long version) {
    return vertx.executeBlocking(() -> versionNow(name, version), false);
  }

  /** Blocking: for callers already on a worker thread. */
  ConfigVersion versionNow(String name, long version) {
    byte[] bytes = versions.get(versionKey(name, version));
    return bytes == null ? null : parseVersion(bytes);
  }

  public Future<ConfigHead> activate(String name, long version) {
    return vertx.executeBlocking(() -> {
      byte[] bytes = heads.executeOnKey(name, new HeadChange.Activate(version));
      return bytes == null ? null : HeadChange.parse(bytes);
    }, false);
  }

  /** Withdraws a config from every agent; true if it existed and was not deleted already. */
  public Future<Boolean> delete(String name) {
    return vertx.executeBlocking(() -> {
      byte[] before = heads.get(name);
      if (before == null || HeadChange.parse(before).getDeleted()) {
        return false;
      }
      heads.executeOnKey(name, new HeadChange.Delete());
      return true;
    }, false);
  }

  static String versionKey(String name, long version) {
    return name + "@" + version;
  }

  static ConfigVersion parseVersion(byte[] bytes) {
    try {
      return ConfigVersion.parseFrom(bytes);
    } catch (InvalidProtocolBufferException e) {
      throw new IllegalStateException("corrupt config version", e);
    }
  }
}
