package dev.opamp.gateway;

import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.config.SettingsLoader;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.logging.LogManager;

/**
 * {@code java -jar opamp-gateway.jar [flags]}: starts one gateway node and runs until stopped.
 * A bad setting ends the start with one line naming it and exit code 2.
 */
public final class Main {

  private static final int BAD_SETTINGS = 2;
  private static final int START_FAILED = 1;

  /**
   * On a machine of one or two cores the JDK's common fork-join pool has at most one thread, and
   * Hazelcast then runs each asynchronous callback (every map operation's answer) on a new thread
   * of its own: a thread start per agent message. Two threads in the pool avoid that. Set before
   * any class touches the pool; a value given with -D is kept.
   */
  private static final String COMMON_POOL_PARALLELISM = "java.util.concurrent.ForkJoinPool.common.parallelism";
  private static final int MIN_COMMON_POOL_THREADS = 2;

  private Main() {}

  public static void main(String[] args) {
    if (System.getProperty(COMMON_POOL_PARALLELISM) == null
        && Runtime.getRuntime().availableProcessors() <= MIN_COMMON_POOL_THREADS) {
      System.setProperty(COMMON_POOL_PARALLELISM, String.valueOf(MIN_COMMON_POOL_THREADS));
    }
    configureLogging();
    SettingsLoader.Result loaded;
    try {
      loaded = SettingsLoader.load(args, System.getenv());
    } catch (SettingsException e) {
      System.err.println("opamp-gateway: " + e.getMessage());
      System.exit(BAD_SETTINGS);
      return;
    }
    if (loaded.helpRequested()) {
      System.out.print(loaded.usage());
      return;
    }
    GatewayNode node;
    try {
      node = GatewayNode.start(loaded.settings()).toCompletionStage().toCompletableFuture().get();
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof SettingsException) {
        System.err.println("opamp-gateway: " + cause.getMessage());
        System.exit(BAD_SETTINGS);
      }
      System.err.println("opamp-gateway: start failed: " + SettingsException.reasonOf(cause));
      System.exit(START_FAILED);
      return;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try {
        node.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      } catch (Exception e) {
        System.err.println("opamp-gateway: unclean stop: " + SettingsException.reasonOf(e));
      } finally {
        stopped.countDown();
      }
    }, "opamp-gateway-stop"));
  }

  /** One line per record, unless the user brought a logging configuration of their own. */
  private static void configureLogging() {
    if (System.getProperty("java.util.logging.config.file") == null
        && System.getProperty("java.util.logging.SimpleFormatter.format") == null) {
      System.setProperty("java.util.logging.SimpleFormatter.format", "%1$tFT%1$tT.%1$tL %4$s %3$s: %5$s%6$s%n");
      try {
        LogManager.getLogManager().readConfiguration();
      } catch (java.io.IOException e) {
        // the JDK's defaults stay in force
      }
    }
  }
}
