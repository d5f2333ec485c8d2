package dev.opamp.gateway.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AgentConfigMap;
import dev.opamp.gateway.proto.AgentIdentification;
import dev.opamp.gateway.proto.AgentRemoteConfig;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.KeyValue;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import dev.opamp.gateway.proto.RetryInfo;
import dev.opamp.gateway.proto.ServerErrorResponse;
import dev.opamp.gateway.proto.ServerErrorResponseType;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.proto.ServerToAgentFlags;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.net.NetClient;
import io.vertx.core.net.NetServer;
import io.vertx.core.net.NetSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Runs {@link OtelAgent} (the OpenTelemetry Java OpAMP client) against a throwaway Vert.x
 * endpoint that records what arrives and answers with a ServerToAgent carrying the agent's uid,
 * and pins down the client behaviour that OtelAgent's Javadoc describes.
 */
class OtelAgentTest {

  private static final Duration WAIT = Duration.ofSeconds(10);
  private static final String YAML = "receivers:\n  otlp:\n    protocols: {grpc: {}}\n";

  private Vertx vertx;
  private TinyServer server;
  private final List<OtelAgent> agents = new ArrayList<>();
  private final List<OtelAgent> abrupt = new ArrayList<>();

  @BeforeEach
  void startServer() throws Exception {
    vertx = Vertx.vertx();
    server = new TinyServer(vertx);
  }

  @AfterEach
  void stopAll() throws Exception {
    for (OtelAgent a : agents) {
      boolean closedAbruptly = abrupt.contains(a);
      a.close();
      if (a.transport() == OtelAgent.Transport.HTTP && !closedAbruptly) {
        assertTrue(a.disconnectSent(), "close() delivers the disconnect\n" + a.describeTraffic());
      }
    }
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private OtelAgent start(OtelAgent.Builder b) {
    OtelAgent a = b.start();
    agents.add(a);
    return a;
  }

  private OtelAgent.Builder http() {
    return OtelAgent.builder("http://127.0.0.1:" + server.port + "/v1/opamp")
        .serviceName("checkout")
        .nonIdentifyingAttribute("host.name", "box-1")
        .nonIdentifyingAttribute("os.type", "linux")
        .effectiveConfig("collector.yaml", YAML);
  }

  private OtelAgent.Builder ws() {
    return OtelAgent.builder("ws://127.0.0.1:" + server.port + "/v1/opamp")
        .serviceName("checkout")
        .nonIdentifyingAttribute("host.name", "box-1")
        .effectiveConfig("collector.yaml", YAML);
  }

  private static Map<String, String> strings(List<KeyValue> attributes) {
    return attributes.stream()
        .collect(Collectors.toMap(KeyValue::getKey, kv -> kv.getValue().getStringValue()));
  }

  /** The description and effective config the builders above give. */
  private static void assertFullStatus(AgentToServer m) {
    assertTrue(m.hasAgentDescription(), "description");
    assertEquals(
        Map.of("service.name", "checkout"), strings(m.getAgentDescription().getIdentifyingAttributesList()));
    assertEquals("box-1", strings(m.getAgentDescription().getNonIdentifyingAttributesList()).get("host.name"));
    assertTrue(m.hasEffectiveConfig(), "effective config");
    AgentConfigFile file = m.getEffectiveConfig().getConfigMap().getConfigMapOrThrow("collector.yaml");
    assertEquals(YAML, file.getBody().toStringUtf8());
    assertEquals(OtelAgent.YAML_CONTENT_TYPE, file.getContentType());
    assertTrue(m.hasRemoteConfigStatus(), "remote config status (empty)");
  }

  private static void assertOnlyRequiredFields(AgentToServer m) {
    assertFalse(m.hasAgentDescription(), "no description");
    assertFalse(m.hasEffectiveConfig(), "no effective config");
    assertFalse(m.hasRemoteConfigStatus(), "no remote config status");
    assertFalse(m.hasAgentDisconnect(), "no disconnect");
  }

  // ---------------------------------------------------------------------------------------
  // HTTP
  // ---------------------------------------------------------------------------------------

  @Test
  void httpFirstMessageCarriesDescriptionAndEffectiveConfig() throws Exception {
    OtelAgent agent = start(http());
    TinyServer.Request first = server.awaitHttp(0);

    AgentToServer m = first.message;
    assertEquals("POST", first.method);
    assertEquals("/v1/opamp", first.path);
    assertEquals("application/x-protobuf", first.headers.get("Content-Type"));
    assertNull(first.headers.get("Content-Encoding"), "the body is not compressed");
    assertNull(first.headers.get("OpAMP-Instance-UID"), "the client sends no uid header");

    assertEquals(16, m.getInstanceUid().size());
    assertEquals(agent.instanceUidByteString(), m.getInstanceUid());
    assertEquals(agent.initialInstanceUid(), OtelAgent.toUuid(m.getInstanceUid().toByteArray()));
    assertEquals(7, agent.initialInstanceUid().version(), "a UUID v7");
    assertEquals(1, m.getSequenceNum());
    assertEquals(
        AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig_VALUE,
        m.getCapabilities(),
        "only ReportsEffectiveConfig: the client never sets ReportsStatus");
    assertEquals(0, m.getFlags(), "no RequestInstanceUid");
    assertFullStatus(m);
    assertEquals(
        Map.of("host.name", "box-1", "os.type", "linux"),
        strings(m.getAgentDescription().getNonIdentifyingAttributesList()));
    assertEquals(
        dev.opamp.gateway.proto.RemoteConfigStatus.getDefaultInstance(), m.getRemoteConfigStatus());
    assertFalse(m.hasHealth());
    assertFalse(m.hasAgentDisconnect());

    // What the agent recorded is what the server got, and it saw the reply.
    assertEquals("gzip", first.headers.get("Accept-Encoding"), "OkHttp's transparent gzip");
    assertEquals(String.valueOf(m.getSerializedSize()), first.headers.get("Content-Length"));
    assertEquals(m, agent.awaitSent(0, WAIT));
    agent.awaitReceived(0, WAIT);
    agent.awaitConnected(WAIT);
    assertEquals(List.of(), agent.dropped());
    assertEquals(200, agent.httpStatuses().get(0));
  }

  @Test
  void httpEffectiveConfigIsSentWithoutTheCapability() throws Exception {
    start(http().reportEffectiveConfig(false));
    AgentToServer first = server.awaitHttp(0).message;
    assertEquals(0, first.getCapabilities(), "no capability bit at all");
    assertFullStatus(first);
  }

  @Test
  void httpPollsCarryOnlyUidSequenceAndCapabilities() throws Exception {
    start(http());
    TinyServer.Request first = server.awaitHttp(0);
    TinyServer.Request second = server.awaitHttp(1);
    TinyServer.Request third = server.awaitHttp(2);

    for (TinyServer.Request poll : List.of(second, third)) {
      assertEquals(first.message.getInstanceUid(), poll.message.getInstanceUid());
      assertEquals(first.message.getCapabilities(), poll.message.getCapabilities());
      assertOnlyRequiredFields(poll.message);
    }
    assertEquals(2, second.message.getSequenceNum());
    assertEquals(3, third.message.getSequenceNum());
    long gapMillis = TimeUnit.NANOSECONDS.toMillis(third.nanoTime - second.nanoTime);
    assertTrue(gapMillis > 700 && gapMillis < 4000, "polls about 1 s apart, was " + gapMillis + " ms");
  }

  @Test
  void httpReportFullStateIsAnsweredAtTheNextPoll() throws Exception {
    server.responder =
        m ->
            m.getSequenceNum() == 2
                ? reply(m).setFlags(ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE).build()
                : reply(m).build();
    start(http());
    TinyServer.Request second = server.awaitHttp(1);
    TinyServer.Request third = server.awaitHttp(2);

    assertOnlyRequiredFields(second.message);
    assertEquals(3, third.message.getSequenceNum());
    assertFullStatus(third.message);
    long gapMillis = TimeUnit.NANOSECONDS.toMillis(third.nanoTime - second.nanoTime);
    assertTrue(gapMillis > 700, "sent at the next poll, not at once: " + gapMillis + " ms");
  }

  @Test
  void httpAgentIdentificationSwitchesTheUid() throws Exception {
    UUID assigned = UUID.fromString("0190a1b2-c3d4-7e8f-9a0b-1c2d3e4f5061");
    server.responder =
        m ->
            m.getSequenceNum() == 1
                ? reply(m)
                    .setAgentIdentification(
                        AgentIdentification.newBuilder()
                            .setNewInstanceUid(ByteString.copyFrom(OtelAgent.toBytes(assigned))))
                    .build()
                : reply(m).build();
    OtelAgent agent = start(http());
    UUID original = agent.initialInstanceUid();
    TinyServer.Request second = server.awaitHttp(1);

    assertEquals(assigned, OtelAgent.toUuid(second.message.getInstanceUid().toByteArray()));
    assertEquals(assigned, agent.instanceUid());
    assertEquals(original, agent.initialInstanceUid());
    assertEquals(2, second.message.getSequenceNum());
    assertOnlyRequiredFields(second.message); // nothing extra is sent for the new uid
  }

  @Test
  void httpErrorResponseIsReportedAndTheFailedFieldsAreResent() throws Exception {
    server.responder =
        m ->
            m.getSequenceNum() == 1
                ? reply(m)
                    .setErrorResponse(
                        ServerErrorResponse.newBuilder()
                            .setType(ServerErrorResponseType.ServerErrorResponseType_BadRequest)
                            .setErrorMessage("nope"))
                    .build()
                : reply(m).build();
    OtelAgent agent = start(http());
    TinyServer.Request second = server.awaitHttp(1);

    agent.awaitOrFail(WAIT, "onErrorResponse", () -> !agent.errorResponses().isEmpty());
    assertEquals("nope", agent.errorResponses().get(0).getErrorMessage());
    assertEquals(2, second.message.getSequenceNum());
    assertFullStatus(second.message);
  }

  @Test
  void httpUnavailableWithRetryInfoDelaysTheNextRequest() throws Exception {
    server.responder =
        m ->
            m.getSequenceNum() == 1
                ? reply(m)
                    .setErrorResponse(
                        ServerErrorResponse.newBuilder()
                            .setType(ServerErrorResponseType.ServerErrorResponseType_Unavailable)
                            .setRetryInfo(RetryInfo.newBuilder().setRetryAfterNanoseconds(2_500_000_000L)))
                    .build()
                : reply(m).build();
    start(http());
    TinyServer.Request first = server.awaitHttp(0);
    TinyServer.Request second = server.awaitHttp(1);

    long gapMillis = TimeUnit.NANOSECONDS.toMillis(second.nanoTime - first.nanoTime);
    assertTrue(gapMillis >= 2300, "waited the offered 2.5 s, was " + gapMillis + " ms");
    assertFullStatus(second.message);
  }

  @Test
  void httpNon2xxStatusIsNeitherMessageNorErrorResponse() throws Exception {
    server.httpStatus = m -> m.getSequenceNum() == 1 ? 500 : 200;
    OtelAgent agent = start(http());
    TinyServer.Request second = server.awaitHttp(1);

    assertEquals(2, second.message.getSequenceNum());
    assertFullStatus(second.message); // the failed message's fields come again
    agent.awaitOrFail(WAIT, "two responses", () -> agent.httpStatuses().size() >= 2);
    assertEquals(List.of(500, 200), agent.httpStatuses().subList(0, 2));
    assertEquals(List.of(), agent.errorResponses());
    agent.awaitOrFail(WAIT, "onConnect for the 500 too", () -> agent.connectCount() >= 2);
  }

  @Test
  void httpRemoteConfigIsAppliedAndReported() throws Exception {
    String offered = "exporters:\n  debug: {}\n";
    server.responder =
        m ->
            m.getSequenceNum() == 1
                ? reply(m)
                    .setRemoteConfig(
                        AgentRemoteConfig.newBuilder()
                            .setConfig(
                                AgentConfigMap.newBuilder()
                                    .putConfigMap(
                                        "remote.yaml",
                                        AgentConfigFile.newBuilder()
                                            .setBody(ByteString.copyFromUtf8(offered))
                                            .setContentType("text/yaml")
                                            .build()))
                            .setConfigHash(ByteString.copyFromUtf8("hash-1")))
                    .build()
                : reply(m).build();
    OtelAgent agent = start(http().acceptRemoteConfig(true));

    AgentToServer first = server.awaitHttp(0).message;
    assertEquals(
        AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig_VALUE
            | AgentCapabilities.AgentCapabilities_ReportsRemoteConfig_VALUE
            | AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig_VALUE,
        first.getCapabilities());

    AgentToServer status =
        server.awaitHttpMessage(m -> m.hasRemoteConfigStatus() && m.getSequenceNum() > 1);
    assertEquals(RemoteConfigStatuses.RemoteConfigStatuses_APPLIED, status.getRemoteConfigStatus().getStatus());
    assertEquals("hash-1", status.getRemoteConfigStatus().getLastRemoteConfigHash().toStringUtf8());
    AgentToServer effective =
        server.awaitHttpMessage(
            m -> m.getSequenceNum() > 1 && m.hasEffectiveConfig());
    assertEquals(
        offered,
        effective.getEffectiveConfig().getConfigMap().getConfigMapOrThrow("remote.yaml").getBody().toStringUtf8());
    assertEquals(1, agent.remoteConfigs().size());
    assertEquals(Map.of("remote.yaml", offered), agent.effectiveConfig());
  }

  @Test
  void httpCloseSendsTheDisconnectAtTheNextPoll() throws Exception {
    OtelAgent agent = start(http());
    server.awaitHttp(1);
    long before = System.nanoTime();
    agent.close();
    long closeMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - before);

    AgentToServer last = server.awaitHttpMessage(AgentToServer::hasAgentDisconnect);
    assertEquals(agent.instanceUidByteString(), last.getInstanceUid());
    assertOnlyRequiredFieldsBesidesDisconnect(last);
    assertTrue(closeMillis < 5500, "close() waited for the next tick only: " + closeMillis + " ms");
    int count = server.httpCount();
    Thread.sleep(1500);
    assertEquals(count, server.httpCount(), "nothing after the disconnect");
  }

  @Test
  void httpConnectionFailureLosesTheMessage() throws Exception {
    server.httpHangUp = m -> m.getSequenceNum() == 1;
    OtelAgent agent = start(http());
    TinyServer.Request second = server.awaitHttp(1);

    assertEquals(1, server.awaitHttp(0).message.getSequenceNum());
    assertEquals(2, second.message.getSequenceNum());
    assertOnlyRequiredFields(second.message); // the description never arrives
    assertEquals(1, agent.connectFailures().size());
    assertEquals(1, agent.dropped().get(0).getSequenceNum());
  }

  @Test
  void httpCloseDuringARequestLosesTheDisconnect() throws Exception {
    server.httpDelayMillis = 300;
    OtelAgent agent = start(http());
    server.awaitHttp(1); // the client now waits for the (delayed) answer to its second request
    abrupt.add(agent);
    agent.closeNow();
    Thread.sleep(2500); // more than two polling intervals
    assertEquals(2, server.httpCount(), "no disconnect and no further poll");
    assertFalse(agent.sent().stream().anyMatch(AgentToServer::hasAgentDisconnect));
  }

  private static void assertOnlyRequiredFieldsBesidesDisconnect(AgentToServer m) {
    assertTrue(m.hasAgentDisconnect());
    assertFalse(m.hasAgentDescription());
    assertFalse(m.hasEffectiveConfig());
  }

  @Test
  void httpUpdatesAreSentAtOnce() throws Exception {
    OtelAgent agent = start(http().pollingInterval(Duration.ofSeconds(3)));
    server.awaitHttp(0);
    agent.setNonIdentifyingAttributes(Map.of("host.name", "box-2"));
    AgentToServer described = server.awaitHttp(1).message;
    assertEquals(Map.of("host.name", "box-2"), strings(described.getAgentDescription().getNonIdentifyingAttributesList()));
    assertFalse(described.hasEffectiveConfig());

    agent.setEffectiveConfig(Map.of("other.yaml", "a: 1\n"));
    AgentToServer configured = server.awaitHttp(2).message;
    assertFalse(configured.hasAgentDescription());
    assertEquals(
        "a: 1\n",
        configured.getEffectiveConfig().getConfigMap().getConfigMapOrThrow("other.yaml").getBody().toStringUtf8());
  }

  // ---------------------------------------------------------------------------------------
  // WebSocket
  // ---------------------------------------------------------------------------------------

  @Test
  void webSocketFirstDeliveredMessageIsSequenceTwoWithoutDescription() throws Exception {
    server.responder =
        m -> reply(m).setFlags(ServerToAgentFlags.ServerToAgentFlags_ReportFullState_VALUE).build();
    OtelAgent agent = start(ws());
    TinyServer.Frame first = server.awaitFrame(0);

    assertEquals(0, first.raw[0], "header: varint 0");
    MultiMap upgrade = server.handshakes().get(0);
    assertNull(upgrade.get("Sec-WebSocket-Protocol"), "no subprotocol");
    assertNull(upgrade.get("Content-Type"));
    assertNull(upgrade.get("OpAMP-Instance-UID"));
    assertEquals("permessage-deflate", upgrade.get("Sec-WebSocket-Extensions"));
    AgentToServer m = first.message;
    assertEquals(agent.instanceUidByteString(), m.getInstanceUid());
    assertEquals(2, m.getSequenceNum());
    assertEquals(AgentCapabilities.AgentCapabilities_ReportsEffectiveConfig_VALUE, m.getCapabilities());
    assertOnlyRequiredFields(m);
    // The sequence-1 message with the full status was built before the socket opened, and lost.
    assertEquals(1, agent.dropped().size());
    assertEquals(1, agent.dropped().get(0).getSequenceNum());
    assertFullStatus(agent.dropped().get(0));

    // ReportFullState alone makes it send nothing ...
    agent.awaitReceived(0, WAIT);
    Thread.sleep(1500);
    assertEquals(1, server.frameCount(), "no traffic until something triggers a send");
    // ... until the next state change.
    agent.sendStatusNow();
    AgentToServer full = server.awaitFrame(1).message;
    assertEquals(3, full.getSequenceNum());
    assertFullStatus(full);
  }

  @Test
  void webSocketCloseSendsTheDisconnectThenCloses1000() throws Exception {
    OtelAgent agent = start(ws());
    server.awaitFrame(0);
    agent.close();

    AgentToServer last = server.awaitFrameMessage(AgentToServer::hasAgentDisconnect);
    assertEquals(3, last.getSequenceNum());
    server.awaitOrFail("close frame", () -> server.closeCodes().contains((short) 1000));
    assertTrue(agent.events().stream().anyMatch(e -> e.kind() == OtelAgent.EventKind.SOCKET_CLOSED));
  }

  @Test
  void webSocketServerPushesAreReceivedAndTheHeaderValueIsNotChecked() throws Exception {
    OtelAgent agent = start(ws().acceptRemoteConfig(true));
    AgentToServer first = server.awaitFrame(0).message;
    ServerToAgent push =
        reply(first)
            .setRemoteConfig(
                AgentRemoteConfig.newBuilder()
                    .setConfig(
                        AgentConfigMap.newBuilder()
                            .putConfigMap(
                                "pushed.yaml",
                                AgentConfigFile.newBuilder()
                                    .setBody(ByteString.copyFromUtf8("b: 2\n"))
                                    .build()))
                    .setConfigHash(ByteString.copyFromUtf8("h")))
            .build();
    // A header of 1 instead of 0: the specification calls that malformed; this client decodes it.
    server.push(Buffer.buffer().appendByte((byte) 1).appendBytes(push.toByteArray()));

    agent.awaitOrFail(WAIT, "remote config", () -> !agent.remoteConfigs().isEmpty());
    AgentToServer applied =
        server.awaitFrameMessage(
            m -> m.getRemoteConfigStatus().getStatus() == RemoteConfigStatuses.RemoteConfigStatuses_APPLIED);
    assertEquals("h", applied.getRemoteConfigStatus().getLastRemoteConfigHash().toStringUtf8());
    assertTrue(
        agent.events().stream().anyMatch(e -> e.kind() == OtelAgent.EventKind.UNDECODABLE),
        "the wrapper flags the non-zero header");
  }

  @Test
  void webSocketCloseFromTheServerLeavesTheClientStuck() throws Exception {
    OtelAgent agent = start(ws());
    server.awaitFrame(0);
    server.closeSocket(); // a close frame, code 1000
    Thread.sleep(3000);
    assertEquals(1, server.handshakes().size(), "no reconnect");
    assertFalse(
        agent.events().stream().anyMatch(e -> e.kind() == OtelAgent.EventKind.SOCKET_CLOSED),
        "OkHttp reports neither closed nor failed: the client never answers the close frame");
    agent.sendStatusNow();
    agent.awaitOrFail(WAIT, "a dropped message", () -> agent.dropped().size() == 2);
    assertEquals(1, server.frameCount());
  }

  @Test
  void webSocketReconnectsAfterTheConnectionDropsAndStaysSilent() throws Exception {
    OtelAgent agent =
        start(
            OtelAgent.builder("ws://127.0.0.1:" + server.proxyPort + "/v1/opamp")
                .serviceName("checkout")
                .effectiveConfig("collector.yaml", YAML));
    server.awaitFrame(0);
    long droppedAt = System.nanoTime();
    server.dropProxiedConnections();
    server.awaitOrFail("a second connection", () -> server.handshakes().size() >= 2);
    long reconnectMillis = TimeUnit.NANOSECONDS.toMillis(server.handshakeTimes().get(1) - droppedAt);
    assertTrue(reconnectMillis >= 800, "after the 1 s retry interval, was " + reconnectMillis + " ms");
    assertEquals(1, agent.connectFailures().size(), "onConnectFailed (EOF)");
    Thread.sleep(1500);
    assertEquals(1, server.frameCount(), "nothing sent on the new connection");
    agent.sendStatusNow();
    AgentToServer next = server.awaitFrame(1).message;
    assertEquals(3, next.getSequenceNum());
    assertFalse(next.hasAgentDescription(), "no full state on reconnect");
    assertTrue(next.hasEffectiveConfig());
  }

  @Test
  void webSocketUnavailableClosesAndReconnectsAfterTheOfferedDelay() throws Exception {
    server.responder =
        m ->
            reply(m)
                .setErrorResponse(
                    ServerErrorResponse.newBuilder()
                        .setType(ServerErrorResponseType.ServerErrorResponseType_Unavailable)
                        .setRetryInfo(RetryInfo.newBuilder().setRetryAfterNanoseconds(1_500_000_000L)))
                .build();
    OtelAgent agent = start(ws());
    TinyServer.Frame first = server.awaitFrame(0);
    server.awaitOrFail("the client's close", () -> server.closeCodes().contains((short) 1000));
    server.awaitOrFail("a second connection", () -> server.handshakes().size() >= 2);
    long gapMillis = TimeUnit.NANOSECONDS.toMillis(server.handshakeTimes().get(1) - first.nanoTime());
    assertTrue(gapMillis >= 1300, "waited the offered 1.5 s, was " + gapMillis + " ms");
    assertEquals(1, agent.errorResponses().size());
  }

  private static ServerToAgent.Builder reply(AgentToServer m) {
    return ServerToAgent.newBuilder().setInstanceUid(m.getInstanceUid());
  }

  // ---------------------------------------------------------------------------------------
  // A throwaway OpAMP endpoint
  // ---------------------------------------------------------------------------------------

  /** Records HTTP bodies and WebSocket frames on /v1/opamp and answers each with a reply. */
  static final class TinyServer {
    record Request(String method, String path, MultiMap headers, AgentToServer message, long nanoTime) {}

    record Frame(byte[] raw, AgentToServer message, long nanoTime) {}

    final int port;
    volatile Function<AgentToServer, ServerToAgent> responder = m -> reply(m).build();
    volatile Function<AgentToServer, Integer> httpStatus = m -> 200;
    volatile long httpDelayMillis = 0;
    volatile java.util.function.Predicate<AgentToServer> httpHangUp = m -> false;
    private final List<Request> requests = new ArrayList<>();
    private final List<Frame> frames = new ArrayList<>();
    private final List<Short> closeCodes = new ArrayList<>();
    private volatile ServerWebSocket socket;
    private final List<MultiMap> handshakes = new ArrayList<>();
    private final List<Long> handshakeTimes = new ArrayList<>();
    private final List<NetSocket> proxied = new ArrayList<>();
    final int proxyPort;

    TinyServer(Vertx vertx) throws Exception {
      HttpServer http =
          vertx
              .createHttpServer()
              .webSocketHandler(this::onWebSocket)
              .requestHandler(
                  req ->
                      req.body()
                          .onSuccess(
                              body -> {
                                AgentToServer m = parse(body.getBytes());
                                synchronized (this) {
                                  requests.add(
                                      new Request(
                                          req.method().name(),
                                          req.path(),
                                          MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                                          m,
                                          System.nanoTime()));
                                }
                                if (httpHangUp.test(m)) {
                                  req.connection().close();
                                  return;
                                }
                                Runnable answer =
                                    () ->
                                        req.response()
                                            .setStatusCode(httpStatus.apply(m))
                                            .putHeader("Content-Type", "application/x-protobuf")
                                            .end(Buffer.buffer(responder.apply(m).toByteArray()));
                                long delay = httpDelayMillis;
                                if (delay > 0) {
                                  vertx.setTimer(delay, id -> answer.run());
                                } else {
                                  answer.run();
                                }
                              }));
      port =
          http.listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS)
              .actualPort();

      // A plain TCP relay in front of the same server, so a test can cut connections abruptly.
      NetClient relay = vertx.createNetClient();
      NetServer proxy =
          vertx
              .createNetServer()
              .connectHandler(
                  inbound -> {
                    inbound.pause();
                    relay
                        .connect(port, "127.0.0.1")
                        .onSuccess(
                            outbound -> {
                              synchronized (this) {
                                proxied.add(inbound);
                                proxied.add(outbound);
                              }
                              inbound.pipeTo(outbound);
                              outbound.pipeTo(inbound);
                              inbound.resume();
                            })
                        .onFailure(e -> inbound.close());
                  });
      proxyPort =
          proxy
              .listen(0, "127.0.0.1")
              .toCompletionStage()
              .toCompletableFuture()
              .get(10, TimeUnit.SECONDS)
              .actualPort();
    }

    private void onWebSocket(ServerWebSocket ws) {
      socket = ws;
      synchronized (this) {
        handshakes.add(MultiMap.caseInsensitiveMultiMap().addAll(ws.headers()));
        handshakeTimes.add(System.nanoTime());
      }
      ws.binaryMessageHandler(
          buf -> {
            byte[] raw = buf.getBytes();
            AgentToServer m = parse(java.util.Arrays.copyOfRange(raw, 1, raw.length));
            synchronized (this) {
              frames.add(new Frame(raw, m, System.nanoTime()));
            }
            ws.writeBinaryMessage(
                Buffer.buffer().appendByte((byte) 0).appendBytes(responder.apply(m).toByteArray()));
          });
      ws.closeHandler(
          v -> {
            synchronized (this) {
              closeCodes.add(ws.closeStatusCode());
            }
          });
    }

    void push(Buffer frame) {
      socket.writeBinaryMessage(frame);
    }

    private static AgentToServer parse(byte[] bytes) {
      try {
        return AgentToServer.parseFrom(bytes);
      } catch (InvalidProtocolBufferException e) {
        throw new AssertionError("the client sent bytes that are not an AgentToServer", e);
      }
    }

    synchronized int httpCount() {
      return requests.size();
    }

    synchronized int frameCount() {
      return frames.size();
    }

    synchronized List<Long> handshakeTimes() {
      return List.copyOf(handshakeTimes);
    }

    /**
     * Ends every connection made through the proxy port at the TCP level (a FIN each way, no
     * WebSocket close frame): what an agent sees when a server node dies.
     */
    synchronized void dropProxiedConnections() {
      proxied.forEach(NetSocket::close);
    }

    void closeSocket() {
      socket.close();
    }

    synchronized List<MultiMap> handshakes() {
      return List.copyOf(handshakes);
    }

    synchronized List<Short> closeCodes() {
      return List.copyOf(closeCodes);
    }

    void awaitOrFail(String what, java.util.function.BooleanSupplier condition) throws InterruptedException {
      long deadline = System.nanoTime() + WAIT.toNanos();
      while (!condition.getAsBoolean()) {
        if (System.nanoTime() > deadline) {
          throw new AssertionError("timed out waiting for " + what + "; http=" + requests + " frames=" + frames);
        }
        Thread.sleep(10);
      }
    }

    Request awaitHttp(int index) throws InterruptedException {
      return awaitReceived("HTTP request", requests, index);
    }

    AgentToServer awaitHttpMessage(java.util.function.Predicate<AgentToServer> test) throws InterruptedException {
      return awaitMatching("a matching HTTP request", requests, Request::message, test);
    }

    Frame awaitFrame(int index) throws InterruptedException {
      return awaitReceived("WebSocket frame", frames, index);
    }

    AgentToServer awaitFrameMessage(java.util.function.Predicate<AgentToServer> test) throws InterruptedException {
      return awaitMatching("a matching WebSocket frame", frames, Frame::message, test);
    }

    /** Waits for entry {@code index} of {@code received} (the requests or the frames). */
    private <T> T awaitReceived(String what, List<T> received, int index) throws InterruptedException {
      awaitOrFail(
          what + " #" + index,
          () -> {
            synchronized (this) {
              return received.size() > index;
            }
          });
      synchronized (this) {
        return received.get(index);
      }
    }

    /**
     * Waits for the first message in {@code received} (the requests or the frames) that passes
     * {@code test}.
     */
    private <T> AgentToServer awaitMatching(
        String what,
        List<T> received,
        Function<T, AgentToServer> message,
        java.util.function.Predicate<AgentToServer> test)
        throws InterruptedException {
      AgentToServer[] hit = new AgentToServer[1];
      awaitOrFail(
          what,
          () -> {
            synchronized (this) {
              hit[0] = received.stream().map(message).filter(test).findFirst().orElse(null);
            }
            return hit[0] != null;
          });
      return hit[0];
    }
  }
}
