package dev.opamp.gateway.transport;

import static dev.opamp.gateway.testing.Messages.fullState;
import static dev.opamp.gateway.testing.Messages.heartbeat;
import static dev.opamp.gateway.testing.Messages.key;
import static dev.opamp.gateway.testing.Messages.newUid;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.metrics.GatewayMetrics;
import dev.opamp.gateway.testing.RawTcpWebSocket;
import dev.opamp.gateway.testing.TestGateway;
import java.io.IOException;
import java.time.Duration;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Peers that go quiet or stop reading are found and closed; the fleet shows them disconnected. */
class SilentAndSlowPeersTest {

  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(TestGateway.testSettings()
        .wsPingInterval(Duration.ofSeconds(1))
        .wsIdleTimeout(Duration.ofSeconds(6)) // well past the slow-consumer timeout, so that one fires first
        .writeQueueMaxBytes(4096)
        .slowConsumerTimeout(Duration.ofSeconds(1))
        .build());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void aPeerThatAnswersNoPingIsClosed() throws Exception {
    ByteString uid = newUid();
    try (RawTcpWebSocket peer = RawTcpWebSocket.connect(gateway.opampPort())) {
      peer.send(fullState(uid, 0, "silent"));
      gateway.awaitAgent(key(uid), a -> a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(5));
      // It reads nothing from here on: pings go unanswered.
      gateway.awaitAgent(key(uid), a -> !a.getJsonObject("connection").getBoolean("connected"),
          Duration.ofSeconds(20));
    }
  }

  @Test
  void onlyAPeerThatSendsNothingWithinThePingIntervalIsPinged() throws Exception {
    ByteString chattyUid = newUid();
    ByteString quietUid = newUid();
    try (RawTcpWebSocket chatty = RawTcpWebSocket.connect(gateway.opampPort());
        RawTcpWebSocket quiet = RawTcpWebSocket.connect(gateway.opampPort())) {
      chatty.send(fullState(chattyUid, 0, "chatty"));
      quiet.send(fullState(quietUid, 0, "quiet"));
      // The chatty peer heartbeats every 200 ms (the ping interval is 1 s) while both are read.
      Thread heartbeats = new Thread(() -> {
        try {
          for (long seq = 1; seq <= 20; seq++) {
            Thread.sleep(200);
            chatty.send(heartbeat(chattyUid, seq));
          }
        } catch (IOException | InterruptedException e) {
          // the test ends it
        }
      }, "chatty-heartbeats");
      heartbeats.start();
      int chattyPings = 0;
      int quietPings = 0;
      long until = System.nanoTime() + Duration.ofMillis(3500).toNanos();
      while (System.nanoTime() < until) {
        if (chatty.readFrameOpcode(50) == RawTcpWebSocket.PING) {
          chattyPings++;
        }
        if (quiet.readFrameOpcode(50) == RawTcpWebSocket.PING) {
          quietPings++;
        }
      }
      heartbeats.join();
      assertEquals(0, chattyPings, "a peer whose messages keep coming needs no ping");
      assertTrue(quietPings >= 2, "the quiet peer got " + quietPings + " pings in 3.5 s");
    }
  }

  @Test
  void aPeerThatNeverReadsItsRepliesIsClosedAsASlowConsumer() throws Exception {
    ByteString uid = newUid();
    RawTcpWebSocket peer = RawTcpWebSocket.connect(gateway.opampPort());
    peer.send(fullState(uid, 0, "slow"));
    gateway.awaitAgent(key(uid), a -> a.getJsonObject("connection").getBoolean("connected"), Duration.ofSeconds(5));
    // Heartbeats, never reading a reply: the replies back up until the server stops reading.
    Thread writer = new Thread(() -> {
      try {
        for (long seq = 1; seq < 5_000_000; seq++) {
          peer.send(heartbeat(uid, seq));
        }
      } catch (IOException stoppedByClose) {
        // the server closed us, or the test did
      }
    }, "slow-peer-writer");
    writer.setDaemon(true);
    writer.start();
    try {
      gateway.awaitAgent(key(uid), a -> !a.getJsonObject("connection").getBoolean("connected"),
          Duration.ofSeconds(30));
      assertEquals(1.0, slowConsumersClosed(), () -> "closed as a slow consumer; errors: "
          + gateway.node().metrics().registry().find(GatewayMetrics.PROTOCOL_ERRORS).counters().stream()
              .filter(c -> c.count() > 0).map(c -> c.getId().getTags() + "=" + c.count()).toList()
          + ", backpressure: " + gateway.node().metrics().registry().find(GatewayMetrics.WRITE_BACKPRESSURE)
              .counters().stream().map(c -> c.count()).toList());
      assertTrue(gateway.node().metrics().registry().get(GatewayMetrics.WRITE_BACKPRESSURE)
          .tag("transport", "websocket").counter().count() >= 1, "the full write queue was counted");
    } finally {
      peer.close();
      writer.join(5000);
    }
  }

  private static double slowConsumersClosed() {
    var counter = gateway.node().metrics().registry().find(GatewayMetrics.PROTOCOL_ERRORS)
        .tag("reason", GatewayMetrics.ErrorReason.SLOW_CONSUMER.tag()).tag("transport", "websocket").counter();
    return counter == null ? 0 : counter.count();
  }
}
