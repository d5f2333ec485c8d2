package dev.opamp.gateway.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.session.SessionRegistry;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * This gateway node's embedded Hazelcast member. With no {@code --hazelcast-config} it is a
 * cluster of one that binds to loopback and joins nothing; {@code cluster-config/} shows how to
 * form a real cluster. Starting and stopping block, so both run on a Vert.x worker thread.
 */
public final class ClusterNode {

  /** Member attribute holding the gateway node name, so other nodes can route by it. */
  public static final String NODE_ATTRIBUTE = "node";

  private final HazelcastInstance hazelcast;
  private final String nodeName;

  private ClusterNode(HazelcastInstance hazelcast, String nodeName) {
    this.hazelcast = hazelcast;
    this.nodeName = nodeName;
  }

  /**
   * Prepares the data directory and starts the member on a worker thread. The future fails
   * with a {@link SettingsException} naming {@code --data-dir} or {@code --hazelcast-config}
   * when either is unusable or the member cannot start.
   */
  public static Future<ClusterNode> start(Vertx vertx, GatewaySettings settings) {
    // Unordered: a member start takes seconds and must not hold up other blocking work.
    return vertx.executeBlocking(() -> startBlocking(settings), false);
  }

  private static ClusterNode startBlocking(GatewaySettings settings) {
    prepareDataDir(settings.dataDir());
    HazelcastLogging.quietUnlessConfigured(settings.hazelcastConfig() == null);
    var config = MemberConfig.forNode(settings);
    try {
      return new ClusterNode(Hazelcast.newHazelcastInstance(config), settings.nodeName());
    } catch (RuntimeException e) {
      throw new SettingsException(MemberConfig.LABEL + ": the Hazelcast member from "
          + MemberConfig.origin(settings) + " did not start (" + SettingsException.reasonOf(e) + ")", e);
    }
  }

  private static void prepareDataDir(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (FileAlreadyExistsException e) {
      throw new SettingsException("--data-dir: " + dir + " exists and is not a directory", e);
    } catch (IOException e) {
      throw new SettingsException("--data-dir: cannot create " + dir + " ("
          + SettingsException.reasonOf(e) + ")", e);
    }
    if (!Files.isWritable(dir)) {
      throw new SettingsException("--data-dir: " + dir + " is not writable");
    }
  }

  /**
   * Makes this node's sessions reachable from the cluster: tasks routed here from other members
   * find them through the member's user context.
   */
  public LocalNode attach(Vertx vertx, SessionRegistry sessions) {
    LocalNode local = new LocalNode(nodeName, vertx, sessions);
    hazelcast.getUserContext().put(LocalNode.CONTEXT_KEY, local);
    return local;
  }

  /** The embedded member, for maps, topics and membership. */
  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** This gateway node's name, also the member's {@value #NODE_ATTRIBUTE} attribute. */
  public String nodeName() {
    return nodeName;
  }

  /** True while the member runs: not yet shut down, and not terminated by a failure. */
  public boolean isRunning() {
    return hazelcast.getLifecycleService().isRunning();
  }

  /** Shuts the member down on a worker thread; harmless if it already stopped. */
  public Future<Void> stop(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      hazelcast.shutdown();
      return null;
    }, false);
  }
}
