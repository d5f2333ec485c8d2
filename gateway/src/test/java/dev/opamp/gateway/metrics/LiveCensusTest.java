package dev.opamp.gateway.metrics;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.newUid;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import dev.opamp.gateway.testing.Poll;
import dev.opamp.gateway.testing.RawTcpWebSocket;
import dev.opamp.gateway.testing.TestGateway;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The census follows what each session's writes store, and lets an agent go when it leaves. */
class LiveCensusTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start();
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void anAgentIsCountedAsStoredAndNotAfterItLeaves() throws Exception {
    AgentCensus census = gateway.node().metrics().census();
    ByteString uid = newUid();
    try (RawTcpWebSocket agent = RawTcpWebSocket.connect(gateway.opampPort())) {
      agent.send(fullState(uid, 0, "census")); // healthy, no remote-config status
      Poll.until("the agent counted healthy", WAIT,
          () -> census.health("healthy") == 1 && census.remoteConfig("none") == 1);

      agent.send(AgentToServer.newBuilder().setInstanceUid(uid).setSequenceNum(1)
          .setHealth(ComponentHealth.newBuilder().setHealthy(false).setStatus("crashing"))
          .setRemoteConfigStatus(RemoteConfigStatus.newBuilder()
              .setStatus(RemoteConfigStatuses.RemoteConfigStatuses_FAILED))
          .build());
      Poll.until("the agent moved to unhealthy and failed", WAIT,
          () -> census.health("healthy") == 0 && census.health("unhealthy") == 1
              && census.remoteConfig("none") == 0 && census.remoteConfig("failed") == 1);
    }
    Poll.until("the agent no longer counted", WAIT,
        () -> census.health("unhealthy") == 0 && census.remoteConfig("failed") == 0);
  }
}
