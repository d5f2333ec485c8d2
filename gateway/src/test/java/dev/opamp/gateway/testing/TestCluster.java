package dev.opamp.gateway.testing;

import dev.opamp.gateway.GatewayNode;
import dev.opamp.gateway.config.GatewaySettings;
import io.vertx.core.Future;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * {@code n} gateway nodes in this JVM forming one Hazelcast cluster over loopback (TCP-IP join,
 * free ports, a cluster name of their own; see {@link ClusterConfigFile}). Nodes are named
 * {@code node-a}, {@code node-b}, ... and each is wrapped in a {@link TestGateway}.
 *
 * <pre>{@code
 * try (TestCluster cluster = TestCluster.start(3)) {
 *   RawWebSocketAgent agent = cluster.node(0).webSocketAgent();
 *   ...
 *   cluster.stop(1); // graceful
 * }
 * }</pre>
 */
public final class TestCluster implements AutoCloseable {

  /** Bound on starting the nodes and on their seeing each other. */
  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final ClusterConfigFile config;
  private final List<TestGateway> nodes;
  private final Consumer<GatewaySettings.Builder> adjust;

  private TestCluster(Path dir, ClusterConfigFile config, List<TestGateway> nodes,
      Consumer<GatewaySettings.Builder> adjust) {
    this.dir = dir;
    this.config = config;
    this.nodes = nodes;
    this.adjust = adjust;
  }

  /** Starts {@code n} nodes with test settings and waits until each sees all {@code n} members. */
  public static TestCluster start(int n) throws Exception {
    return start(n, builder -> {});
  }

  /**
   * Like {@link #start(int)}, with {@code adjust} applied to every node's settings after the
   * harness's own (name, ports 0, data dir, Hazelcast config), e.g. shorter timeouts.
   */
  public static TestCluster start(int n, Consumer<GatewaySettings.Builder> adjust) throws Exception {
    return start(n, n, adjust);
  }

  /**
   * A cluster configured for {@code n} members of which the first {@code now} start at once; the
   * others can {@link #join} later, as nodes added to a running cluster.
   */
  public static TestCluster start(int n, int now, Consumer<GatewaySettings.Builder> adjust) throws Exception {
    Path dir = Files.createTempDirectory("opamp-test-cluster");
    ClusterConfigFile config = ClusterConfigFile.write(dir, n);
    List<Future<GatewayNode>> starting = new ArrayList<>(now);
    for (int i = 0; i < now; i++) {
      starting.add(GatewayNode.start(settings(dir, config, i, adjust))); // all at once: members join in parallel
    }
    List<TestGateway> nodes = new ArrayList<>(n);
    Throwable failure = null;
    for (Future<GatewayNode> future : starting) {
      try {
        nodes.add(TestGateway.of(future.toCompletionStage().toCompletableFuture()
            .get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS)));
      } catch (ExecutionException e) {
        failure = failure == null ? e.getCause() : failure;
      } catch (Exception e) {
        failure = failure == null ? e : failure;
      }
    }
    TestCluster cluster = new TestCluster(dir, config, nodes, adjust);
    try {
      if (failure != null) {
        throw new AssertionError("a node of the test cluster did not start: " + failure, failure);
      }
      cluster.awaitMembers(now, START_TIMEOUT);
      return cluster;
    } catch (Throwable e) {
      cluster.close();
      throw e;
    }
  }

  /** Starts the next configured node, which joins the running ones; waits until all see it. */
  public TestGateway join() throws Exception {
    int i = nodes.size();
    if (i >= config.size()) {
      throw new IllegalStateException("the cluster was configured for " + config.size() + " members");
    }
    TestGateway node = TestGateway.of(GatewayNode.start(settings(dir, config, i, adjust))
        .toCompletionStage().toCompletableFuture().get(START_TIMEOUT.toSeconds(), TimeUnit.SECONDS));
    nodes.add(node);
    awaitMembers(running().size(), START_TIMEOUT);
    return node;
  }

  private static GatewaySettings settings(Path dir, ClusterConfigFile config, int i,
      Consumer<GatewaySettings.Builder> adjust) throws Exception {
    GatewaySettings.Builder settings = TestGateway.testSettings()
        .nodeName(nodeName(i))
        .opampPort(0)
        .adminPort(0)
        .dataDir(dir.resolve(nodeName(i)))
        .hazelcastConfig(config.file(i))
        .caKeySecretFile(CaSecretFile.in(dir));
    adjust.accept(settings);
    return settings.build();
  }

  /** The name of the {@code i}-th node: {@code node-a}, {@code node-b}, ... */
  public static String nodeName(int i) {
    return i < 26 ? "node-" + (char) ('a' + i) : "node-" + i;
  }

  public TestGateway node(int i) {
    return nodes.get(i);
  }

  public int size() {
    return nodes.size();
  }

  public ClusterConfigFile config() {
    return config;
  }

  /** The directory holding the member configs and the nodes' data dirs. */
  public Path dir() {
    return dir;
  }

  public boolean isRunning(int i) {
    return !nodes.get(i).isClosed();
  }

  /** The nodes not stopped. */
  public List<TestGateway> running() {
    return nodes.stream().filter(node -> !node.isClosed()).toList();
  }

  /** How many members node {@code i}'s Hazelcast member sees, itself included. */
  public int memberCount(int i) {
    return nodes.get(i).node().cluster().hazelcast().getCluster().getMembers().size();
  }

  /** Waits until every running node sees exactly {@code expected} members. */
  public void awaitMembers(int expected, Duration timeout) throws InterruptedException {
    Poll.until("every running node of the test cluster sees " + expected + " members", timeout, () -> {
      List<Integer> counts = new ArrayList<>();
      for (int i = 0; i < nodes.size(); i++) {
        if (isRunning(i)) {
          counts.add(memberCount(i));
        }
      }
      return counts;
    }, counts -> counts.stream().allMatch(count -> count == expected));
  }

  /** Stops node {@code i} gracefully (sessions, admin, then it leaves the cluster); harmless twice. */
  public void stop(int i) throws Exception {
    nodes.get(i).close();
  }

  /** Stops every running node, last first. */
  @Override
  public void close() throws Exception {
    Exception failure = null;
    for (int i = nodes.size() - 1; i >= 0; i--) {
      try {
        nodes.get(i).close();
      } catch (Exception e) {
        if (failure == null) {
          failure = e;
        } else {
          failure.addSuppressed(e);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
