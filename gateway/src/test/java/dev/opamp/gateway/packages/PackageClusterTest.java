package dev.opamp.gateway.packages;

import static dev.opamp.gateway.packages.PackageFixture.assign;
import static dev.opamp.gateway.packages.PackageFixture.get;
import static dev.opamp.gateway.packages.PackageFixture.hello;
import static dev.opamp.gateway.packages.PackageFixture.randomBytes;
import static dev.opamp.gateway.packages.PackageFixture.sha256;
import static dev.opamp.gateway.packages.PackageFixture.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.proto.PackageAvailable;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestCluster;
import dev.opamp.gateway.testing.TestGateway;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Package files uploaded to one node are served by every node. */
class PackageClusterTest {

  @Test
  void aFileUploadedOnOneNodeIsReplicatedAndDownloadsFromAnother() throws Exception {
    try (TestCluster cluster = TestCluster.start(2)) {
      TestGateway first = cluster.node(0);
      TestGateway second = cluster.node(1);
      byte[] file = randomBytes(5 << 20, 7); // several pull chunks
      String hex = Hex.hex(sha256(file));
      assertEquals(201, upload(first, "otelcol", "0.141.0", file, null, null).statusCode());
      assign(first, "everyone", "", Map.of("otelcol", "0.141.0"));

      // Every node follows the catalog and pulls the file it lacks.
      Path replica = second.node().settings().dataDir().resolve("packages").resolve("files").resolve(hex);
      Poll.until("node 1 to pull the file", Duration.ofSeconds(30), () -> Files.exists(replica), exists -> exists);
      assertArrayEquals(sha256(file), sha256(Files.readAllBytes(replica)));

      // A node that lost its copy pulls it again when a download asks for it.
      Files.delete(replica);
      ByteString uid = Messages.newUid();
      try (RawWebSocketAgent agent = second.webSocketAgent()) {
        ServerToAgent reply = agent.exchange(hello(uid, "anywhere", "0.140.0", true));
        PackageAvailable offered = (reply.hasPackagesAvailable() ? reply.getPackagesAvailable()
            : agent.next().getPackagesAvailable()).getPackagesOrThrow("otelcol");
        String url = offered.getFile().getDownloadUrl();
        assertTrue(url.contains(":" + second.opampPort() + "/"), "the URL names the node the agent is on: " + url);
        var download = get(url);
        assertEquals(200, download.statusCode());
        assertArrayEquals(offered.getFile().getContentHash().toByteArray(), sha256(download.body()));
        assertTrue(Files.exists(replica));
      }
    }
  }
}
