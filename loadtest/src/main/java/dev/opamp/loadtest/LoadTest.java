package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;
import java.util.Arrays;
import picocli.CommandLine;

/**
 * {@code java -jar opamp-loadtest.jar --scenario NAME [flags]}: runs a scenario against an OpAMP
 * server and prints the report; {@code --help} lists every flag.
 */
public final class LoadTest {

  /** Held so that the level set on it stays: Vert.x warns once per evicted pooled connection. */
  private static final java.util.logging.Logger CLIENT_POOL_LOG =
      java.util.logging.Logger.getLogger("io.vertx.core.http.impl.HttpClientConnectionInternal");

  private LoadTest() {}

  public static void main(String[] args) {
    System.setProperty("java.net.preferIPv4Stack", "true");
    CLIENT_POOL_LOG.setLevel(java.util.logging.Level.SEVERE);
    System.exit(run(args));
  }

  static int run(String[] args) {
    if (Arrays.asList(args).contains("--help") || Arrays.asList(args).contains("-h")) {
      Options.commandLine().usage(System.out);
      return 0;
    }
    if (Arrays.asList(args).contains("--version") || Arrays.asList(args).contains("-V")) {
      System.out.println("opamp-loadtest " + LoadTest.class.getPackage().getImplementationVersion());
      return 0;
    }
    Options o;
    try {
      o = Options.parse(args);
    } catch (CommandLine.ParameterException e) {
      System.err.println("opamp-loadtest: " + e.getMessage());
      System.err.println("(--help lists every flag)");
      return 2;
    }
    try {
      if (o.scenario == Options.Scenario.floor_server) {
        return FloorServer.run(o.port);
      }
      if (o.isWorker()) {
        return WorkerMain.run(o);
      }
      JsonObject report = Runner.run(o, args);
      Report.printTable(report, System.out);
      if (o.report != null) {
        Report.write(report, o.report);
        System.err.println("report written to " + o.report);
      }
      return 0;
    } catch (Exception e) {
      System.err.println("opamp-loadtest: " + Errors.reason(e));
      e.printStackTrace();
      return 1;
    }
  }
}
