package dev.opamp.gateway.testing;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code n} {@link GatewayProcess}es forming one Hazelcast cluster over loopback, from the same
 * generated TCP-IP configs as {@link TestCluster} ({@link ClusterConfigFile}). Nodes are named
 * {@code node-a}, {@code node-b}, ...; all start at once.
 *
 * <p>There is no admin API for membership yet, so "formed" means: every process answers
 * {@code /readyz} and {@code GET /api/v1/agents} with 200, and the last membership list its
 * Hazelcast member logged has {@code n} members.
 */
public final class ProcessCluster implements AutoCloseable {

  public static final Duration START_TIMEOUT = Duration.ofSeconds(60);

  private final Path dir;
  private final ClusterConfigFile config;
  private final List<GatewayProcess> processes;

  private ProcessCluster(Path dir, ClusterConfigFile config, List<GatewayProcess> processes) {
    this.dir = dir;
    this.config = config;
    this.processes = processes;
  }

  /**
   * Starts {@code n} processes at once and waits until the cluster is formed.
   *
   * @param extraArgs flags given to every process, e.g. {@code "--ws-ping-interval", "1s"}
   */
  public static ProcessCluster start(int n, String... extraArgs) throws Exception {
    Path dir = Files.createTempDirectory("opamp-process-cluster");
    ClusterConfigFile config = ClusterConfigFile.write(dir, n);
    List<GatewayProcess> processes = new ArrayList<>(n);
    ProcessCluster cluster = new ProcessCluster(dir, config, processes);
    try {
      for (int i = 0; i < n; i++) {
        processes.add(GatewayProcess.launch(dir, TestCluster.nodeName(i), config.file(i), 0, 0, extraArgs));
      }
      long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
      for (GatewayProcess process : processes) {
        process.awaitReady(remaining(deadline));
      }
      for (GatewayProcess process : processes) {
        Poll.until(process.nodeName() + " lists agents", remaining(deadline),
            () -> process.adminGet(AgentListing.ALL).statusCode(), status -> status == 200);
      }
      cluster.awaitLoggedMembers(n, remaining(deadline));
      return cluster;
    } catch (Throwable e) {
      cluster.close();
      throw e;
    }
  }

  private static Duration remaining(long deadline) {
    return Duration.ofNanos(Math.max(0, deadline - System.nanoTime()));
  }

  public GatewayProcess process(int i) {
    return processes.get(i);
  }

  public int size() {
    return processes.size();
  }

  public ClusterConfigFile config() {
    return config;
  }

  /** The directory holding the member configs, logs and data dirs. */
  public Path dir() {
    return dir;
  }

  /** The processes still alive. */
  public List<GatewayProcess> alive() {
    return processes.stream().filter(GatewayProcess::isAlive).toList();
  }

  /** Waits until every live process has logged a membership list of {@code expected} members. */
  public void awaitLoggedMembers(int expected, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    for (GatewayProcess process : alive()) {
      process.awaitLoggedMembers(expected, remaining(deadline));
    }
  }

  /** {@code kill -9} of process {@code i}. */
  public void kill(int i) throws InterruptedException {
    processes.get(i).kill();
  }

  /** SIGTERM to process {@code i}, waiting for its orderly stop. */
  public void stop(int i) throws InterruptedException {
    processes.get(i).stop();
  }

  /** Stops every process (SIGTERM, all at once, then waits for each). */
  @Override
  public void close() throws Exception {
    for (GatewayProcess process : processes) {
      if (process.isAlive()) {
        process.process().destroy();
      }
    }
    Exception failure = null;
    for (GatewayProcess process : processes) {
      try {
        process.close();
      } catch (Exception | AssertionError e) {
        Exception wrapped = e instanceof Exception ex ? ex : new Exception(e);
        if (failure == null) {
          failure = wrapped;
        } else {
          failure.addSuppressed(wrapped);
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }
}
