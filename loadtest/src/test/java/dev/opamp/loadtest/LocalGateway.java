package dev.opamp.loadtest;

import dev.opamp.gateway.GatewayNode;
import dev.opamp.gateway.config.GatewaySettings;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/** A real gateway node in this JVM for the simulator's end-to-end tests: free ports, data under {@code dataDir}. */
final class LocalGateway {

  private LocalGateway() {}

  static GatewayNode start(Path dataDir) throws Exception {
    GatewaySettings settings = GatewaySettings.builder().opampPort(0).adminPort(0)
        .nodeName("loadtest-" + Long.toHexString(System.nanoTime())).dataDir(dataDir).build();
    return GatewayNode.start(settings).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  static void stop(GatewayNode gateway) throws Exception {
    if (gateway != null) {
      gateway.stop().toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    }
  }
}
