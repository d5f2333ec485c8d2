package dev.opamp.gateway.cluster;

import com.hazelcast.core.Hazelcast;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.session.SessionRegistry;
import dev.opamp.gateway.store.DesiredStateStore;
import dev.opamp.gateway.store.Dialect;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Logger;

/**
 * This gateway node's embedded Hazelcast member. With no {@code --hazelcast-config} it is a
 * cluster of one that binds to loopback and joins nothing; {@code cluster-config/} shows how to
 * form a real cluster. Starting and stopping block, so both run on a Vert.x worker thread.
 *
 * <p>The node's {@link DesiredStateStore} is opened before the member starts (its maps load
 * from it) and closed after the member has shut down (its last writes go to it).
 */
public final class ClusterNode {

  /** Member attribute holding the gateway node name, so other nodes can route by it. */
  public static final String NODE_ATTRIBUTE = "node";

  private static final Logger LOG = Logger.getLogger(ClusterNode.class.getName());

  private final HazelcastInstance hazelcast;
  private final String nodeName;
  private final DesiredStateStore desiredState;

  private ClusterNode(HazelcastInstance hazelcast, String nodeName, DesiredStateStore desiredState) {
    this.hazelcast = hazelcast;
    this.nodeName = nodeName;
    this.desiredState = desiredState;
  }

  /**
   * Prepares the data directory and starts the member on a worker thread. The future fails
   * with a {@link SettingsException} naming {@code --data-dir}, {@code --store-url} or
   * {@code --hazelcast-config} when one is unusable or the member cannot start.
   */
  public static Future<ClusterNode> start(Vertx vertx, GatewaySettings settings) {
    // Unordered: a member start takes seconds and must not hold up other blocking work.
    return vertx.executeBlocking(() -> startBlocking(settings), false);
  }

  private static ClusterNode startBlocking(GatewaySettings settings) {
    prepareDataDir(settings.dataDir());
    HazelcastLogging.quietUnlessConfigured(settings.hazelcastConfig() == null);
    DesiredStateStore desiredState = DesiredStateStore.open(settings);
    try {
      var config = MemberConfig.forNode(settings, desiredState.mapStoreFactory());
      HazelcastInstance hazelcast;
      try {
        hazelcast = Hazelcast.newHazelcastInstance(config);
      } catch (RuntimeException e) {
        throw new SettingsException(MemberConfig.LABEL + ": the Hazelcast member from "
            + MemberConfig.origin(settings) + " did not start (" + SettingsException.reasonOf(e) + ")", e);
      }
      ClusterNode node = new ClusterNode(hazelcast, settings.nodeName(), desiredState);
      node.warnIfClusteredOnALocalFile();
      return node;
    } catch (RuntimeException e) {
      desiredState.close();
      throw e;
    }
  }

  /**
   * An H2 file belongs to one node; in a cluster each member would write only the entries it
   * owns to its own file, and a full restart would load a fraction of the desired state.
   */
  private void warnIfClusteredOnALocalFile() {
    if (desiredState.dialect() != Dialect.H2) {
      return;
    }
    AtomicBoolean warned = new AtomicBoolean();
    Runnable warnOnce = () -> {
      if (hazelcast.getCluster().getMembers().size() > 1 && warned.compareAndSet(false, true)) {
        LOG.warning(() -> "node " + nodeName + " is in a cluster but keeps desired state in its own H2 database ("
            + desiredState.displayUrl() + "); give every node the same --store-url jdbc:postgresql://...");
      }
    };
    hazelcast.getCluster().addMembershipListener(new MembershipListener() {
      @Override
      public void memberAdded(MembershipEvent event) {
        warnOnce.run();
      }

      @Override
      public void memberRemoved(MembershipEvent event) {
      }
    });
    warnOnce.run();
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

  /** The database the {@code desired-*} maps are written through to. */
  public DesiredStateStore desiredState() {
    return desiredState;
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

  /**
   * Shuts the member down, then closes the desired-state store, on a worker thread; harmless
   * if either already stopped.
   */
  public Future<Void> stop(Vertx vertx) {
    return vertx.executeBlocking(() -> {
      try {
        hazelcast.shutdown();
      } finally {
        desiredState.close();
      }
      return null;
    }, false);
  }
}
