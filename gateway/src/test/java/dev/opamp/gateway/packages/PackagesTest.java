package dev.opamp.gateway.packages;

import static dev.opamp.gateway.packages.PackageFixture.assign;
import static dev.opamp.gateway.packages.PackageFixture.get;
import static dev.opamp.gateway.packages.PackageFixture.hello;
import static dev.opamp.gateway.packages.PackageFixture.randomBytes;
import static dev.opamp.gateway.packages.PackageFixture.sha256;
import static dev.opamp.gateway.packages.PackageFixture.statuses;
import static dev.opamp.gateway.packages.PackageFixture.upload;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.PackageAvailable;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageType;
import dev.opamp.gateway.proto.PackagesAvailable;
import dev.opamp.gateway.proto.ServerCapabilities;
import dev.opamp.gateway.proto.ServerToAgent;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.RawWebSocketAgent;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.json.JsonObject;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The package catalog, offers and downloads end to end over real sockets, on one node. */
class PackagesTest {

  private static final long UPLOAD_LIMIT = 8L << 20;
  private static TestGateway gateway;

  @BeforeAll
  static void start() throws Exception {
    gateway = TestGateway.start(TestGateway.testSettings().packageMaxUploadBytes(UPLOAD_LIMIT).build());
  }

  @AfterAll
  static void stop() throws Exception {
    gateway.close();
  }

  @Test
  void anUploadedPackageIsOfferedToExactlyTheMatchingAgentsDownloadedInstalledAndTheAgentComesBackUpgraded()
      throws Exception {
    byte[] file = randomBytes(3 << 20, 1);
    byte[] signature = "{\"mediaType\":\"application/vnd.dev.sigstore.bundle+json;version=0.3\"}"
        .getBytes(StandardCharsets.UTF_8);
    var published = upload(gateway, "otelcol", "0.140.0", file, signature, null);
    assertEquals(201, published.statusCode(), published.bodyAsString());
    JsonObject body = published.bodyAsJsonObject();
    assertEquals(Hex.hex(sha256(file)), body.getString("sha256"));
    assertEquals(file.length, body.getLong("size"));
    assertEquals("top-level", body.getString("type"));
    assertNotNull(body.getString("createdAt"));
    assertEquals(409, upload(gateway, "otelcol", "0.140.0", file, null, null).statusCode(), "versions are immutable");
    assign(gateway, "edge-collectors", "service.name=edge", Map.of("otelcol", "0.140.0"));

    ByteString uid = Messages.newUid();
    try (RawWebSocketAgent edge = gateway.webSocketAgent();
        RawWebSocketAgent refuses = gateway.webSocketAgent();
        RawWebSocketAgent core = gateway.webSocketAgent()) {
      ServerToAgent first = edge.exchange(hello(uid, "edge", "0.139.0", true));
      assertTrue((first.getCapabilities() & ServerCapabilities.ServerCapabilities_OffersPackages_VALUE) != 0);
      PackagesAvailable offer = first.hasPackagesAvailable() ? first.getPackagesAvailable()
          : edge.next().getPackagesAvailable();
      ServerToAgent notCapable = refuses.exchange(hello(Messages.newUid(), "edge", "0.139.0", false));
      ServerToAgent notMatching = core.exchange(hello(Messages.newUid(), "core", "0.139.0", true));
      assertFalse(notCapable.hasPackagesAvailable(), "an agent without AcceptsPackages is offered nothing");
      assertFalse(notMatching.hasPackagesAvailable(), "an agent no assignment matches is offered nothing");
      assertNull(refuses.poll(Duration.ofMillis(500)));
      assertNull(core.poll(Duration.ofMillis(200)));

      PackageAvailable otelcol = offer.getPackagesOrThrow("otelcol");
      assertEquals("0.140.0", otelcol.getVersion());
      assertEquals(PackageType.PackageType_TopLevel, otelcol.getType());
      assertEquals(ByteString.copyFrom(sha256(file)), otelcol.getFile().getContentHash());
      assertEquals(ByteString.copyFrom(signature), otelcol.getFile().getSignature(), "the signature passes unchanged");
      assertFalse(offer.getAllPackagesHash().isEmpty());

      // The supervisor downloads through the gateway and checks the hash before installing.
      edge.send(report(uid, 2, statuses(offer, PackageStatusEnum.PackageStatusEnum_Downloading, null)));
      var download = get(otelcol.getFile().getDownloadUrl());
      assertEquals(200, download.statusCode());
      assertEquals(Hex.hex(sha256(file)), download.headers().firstValue("ETag").orElseThrow().replace("\"", ""));
      assertArrayEquals(otelcol.getFile().getContentHash().toByteArray(), sha256(download.body()));
      edge.send(report(uid, 3, statuses(offer, PackageStatusEnum.PackageStatusEnum_Installed, null)));
      JsonObject shown = gateway.awaitAgent(Messages.key(uid), a -> a.getJsonObject("packageStatuses") != null
          && "Installed".equals(a.getJsonObject("packageStatuses").getJsonObject("packages")
              .getJsonObject("otelcol").getString("status")), Duration.ofSeconds(10));
      JsonObject desired = shown.getJsonObject("desiredPackages");
      assertEquals("edge-collectors", desired.getString("assignment"));
      assertEquals("0.140.0", desired.getJsonObject("packages").getJsonObject("otelcol").getString("version"));
      assertEquals(Hex.hex(offer.getAllPackagesHash()), desired.getString("allPackagesHash"));
    }

    // The supervisor restarts the collector: it comes back with the new version, and is not offered it again.
    try (RawWebSocketAgent upgraded = gateway.webSocketAgent()) {
      AgentToServer back = hello(uid, "edge", "0.140.0", true).toBuilder().setSequenceNum(4)
          .setPackageStatuses(installedStatuses(uid)).build();
      ServerToAgent reply = upgraded.exchange(back);
      assertFalse(reply.hasPackagesAvailable(), "an agent that has the set is not offered it again");
      assertNull(upgraded.poll(Duration.ofMillis(500)));
      gateway.awaitAgent(Messages.key(uid), a -> "0.140.0".equals(
          a.getJsonObject("identifyingAttributes").getString("service.version")), Duration.ofSeconds(10));
    }
    assertEquals(409, gateway.adminDelete("/api/v1/packages/otelcol/versions/0.140.0").statusCode(),
        "an assigned version cannot be deleted");
    assertEquals(204, gateway.adminDelete("/api/v1/package-assignments/edge-collectors").statusCode());
  }

  private static dev.opamp.gateway.proto.PackageStatuses installedStatuses(ByteString uid) throws Exception {
    JsonObject agent = gateway.adminJson("/api/v1/agents/" + Messages.key(uid));
    String all = agent.getJsonObject("desiredPackages").getString("allPackagesHash");
    return dev.opamp.gateway.proto.PackageStatuses.newBuilder()
        .setServerProvidedAllPackagesHash(ByteString.copyFrom(Hex.parse(all))).build();
  }

  private static AgentToServer report(ByteString uid, long seq, dev.opamp.gateway.proto.PackageStatuses statuses) {
    return Messages.heartbeat(uid, seq).toBuilder().setCapabilities(Messages.PACKAGE_CAPABILITIES)
        .setPackageStatuses(statuses).build();
  }

  @Test
  void downloadsResumeWithRangesAnswerConditionalRequestsAndNeedTheOfferedAgentsToken() throws Exception {
    byte[] file = randomBytes(1 << 20, 2);
    assertEquals(201, upload(gateway, "range-addon", "1.0.0", file, null, "addon").statusCode());
    assign(gateway, "range-agents", "service.name=ranger", Map.of("range-addon", "1.0.0"));
    ByteString uid = Messages.newUid();
    try (RawWebSocketAgent agent = gateway.webSocketAgent()) {
      ServerToAgent first = agent.exchange(hello(uid, "ranger", "1", true));
      PackagesAvailable offer = first.hasPackagesAvailable() ? first.getPackagesAvailable()
          : agent.next().getPackagesAvailable();
      PackageAvailable p = offer.getPackagesOrThrow("range-addon");
      assertEquals(PackageType.PackageType_Addon, p.getType());
      String url = p.getFile().getDownloadUrl();

      var rest = get(url, "Range", "bytes=400000-");
      assertEquals(206, rest.statusCode());
      assertEquals("bytes 400000-" + (file.length - 1) + "/" + file.length,
          rest.headers().firstValue("Content-Range").orElseThrow());
      assertArrayEquals(Arrays.copyOfRange(file, 400000, file.length), rest.body(), "a resumed download gets the rest");
      assertEquals(416, get(url, "Range", "bytes=" + file.length + "-").statusCode());
      String etag = "\"" + Hex.hex(sha256(file)) + "\"";
      assertEquals(304, get(url, "If-None-Match", etag).statusCode());

      String noToken = url.substring(0, url.indexOf('?'));
      assertEquals(403, get(noToken).statusCode(), "no token");
      assertEquals(403, get(url.replaceAll("token=[^&]+", "token=AAAA")).statusCode(), "a forged token");
      assertEquals(403, get(url.replaceAll("agent=[0-9a-f]+", "agent=" + Messages.key(Messages.newUid())))
          .statusCode(), "another agent's URL");
      assertEquals(403, get(url.replaceAll("expires=\\d+", "expires=1")).statusCode(), "an expired URL");
    }
    assertEquals(204, gateway.adminDelete("/api/v1/package-assignments/range-agents").statusCode());
    assertEquals(204, gateway.adminDelete("/api/v1/packages/range-addon/versions/1.0.0").statusCode());
    assertEquals(404, gateway.adminGet("/api/v1/packages/range-addon").statusCode());
  }

  @Test
  void badUploadsGetClearErrorsAndLeaveNothingBehind() throws Exception {
    var tooLarge = upload(gateway, "big", "1.0.0", randomBytes((int) UPLOAD_LIMIT + 1024, 3), null, null);
    assertEquals(413, tooLarge.statusCode(), tooLarge.bodyAsString());
    assertEquals(400, upload(gateway, "typed", "1.0.0", randomBytes(10, 4), null, "plugin").statusCode());
    assertEquals(400, upload(gateway, "nofile", "1.0.0", null, "sig".getBytes(), null).statusCode());
    assertEquals(400, upload(gateway, "-bad", "1.0.0", randomBytes(10, 5), null, null).statusCode());
    byte[] claimed = randomBytes(4096, 8);
    var mismatch = upload(gateway, "claimed", "1.0.0", claimed, null, null, Hex.hex(sha256("other".getBytes())));
    assertEquals(422, mismatch.statusCode(), mismatch.bodyAsString());
    assertEquals(404, gateway.adminGet("/api/v1/packages/claimed").statusCode());
    assertEquals(201, upload(gateway, "claimed", "1.0.0", claimed, null, null, Hex.hex(sha256(claimed))).statusCode(),
        "the right hash is accepted");
    assertEquals(404, gateway.adminGet("/api/v1/packages/big").statusCode());
    assertEquals(404, gateway.adminGet("/api/v1/packages/typed").statusCode());
    Path tmp = gateway.node().settings().dataDir().resolve("packages").resolve("tmp");
    try (var left = Files.list(tmp)) {
      assertEquals(0, left.count(), "no half-written file stays behind");
    }
    var unknown = gateway.adminPut("/api/v1/package-assignments/ghost", new JsonObject()
        .put("selector", "service.name=x").put("packages", new JsonObject().put("nothing", "1.0")));
    assertEquals(404, unknown.statusCode(), unknown.bodyAsString());

    var external = gateway.adminPut("/api/v1/packages/ext/versions/2.0.0", new JsonObject()
        .put("url", "https://downloads.example.com/ext-2.0.0.tar.gz")
        .put("sha256", Hex.hex(sha256("x".getBytes())))
        .put("signature", java.util.Base64.getEncoder().encodeToString("sig".getBytes()))
        .put("type", "addon"));
    assertEquals(201, external.statusCode(), external.bodyAsString());
    JsonObject listed = gateway.adminJson("/api/v1/packages/ext");
    assertEquals("https://downloads.example.com/ext-2.0.0.tar.gz",
        listed.getJsonArray("versions").getJsonObject(0).getString("url"));
  }

  @Test
  void aSetIsOfferedAgainOnEveryReconnectUntilTheAgentReportsIt() throws Exception {
    assertEquals(201, upload(gateway, "sticky", "1.0.0", randomBytes(1000, 9), null, null).statusCode());
    assign(gateway, "sticky-agents", "service.name=sticky", Map.of("sticky", "1.0.0"));
    ByteString uid = Messages.newUid();
    PackagesAvailable offer;
    try (RawWebSocketAgent first = gateway.webSocketAgent()) {
      ServerToAgent reply = first.exchange(hello(uid, "sticky", "0.9.0", true));
      offer = reply.hasPackagesAvailable() ? reply.getPackagesAvailable() : first.next().getPackagesAvailable();
      assertNull(first.poll(Duration.ofMillis(300)), "offered once per connection");
    }
    try (RawWebSocketAgent again = gateway.webSocketAgent()) {
      ServerToAgent reply = again.exchange(hello(uid, "sticky", "0.9.0", true).toBuilder().setSequenceNum(2).build());
      PackagesAvailable second = reply.hasPackagesAvailable() ? reply.getPackagesAvailable()
          : again.next().getPackagesAvailable();
      assertEquals(offer.getAllPackagesHash(), second.getAllPackagesHash(), "the same set, offered again");
      again.send(report(uid, 3, statuses(second, PackageStatusEnum.PackageStatusEnum_Installed, null)));
      gateway.awaitAgent(Messages.key(uid), a -> a.getJsonObject("packageStatuses") != null, Duration.ofSeconds(10));
    }
    try (RawWebSocketAgent third = gateway.webSocketAgent()) {
      ServerToAgent reply = third.exchange(hello(uid, "sticky", "1.0.0", true).toBuilder().setSequenceNum(4).build());
      assertFalse(reply.hasPackagesAvailable(), "reported: not offered again");
      assertNull(third.poll(Duration.ofMillis(300)));
    }
    assertEquals(204, gateway.adminDelete("/api/v1/package-assignments/sticky-agents").statusCode());
  }

  @Test
  void theConcurrencyCapAnswers503WithRetryAfter() throws Exception {
    try (TestGateway capped = TestGateway.start(TestGateway.testSettings().packageMaxDownloads(1).build())) {
      byte[] file = randomBytes(48 << 20, 6);
      assertEquals(201, upload(capped, "huge", "1.0.0", file, null, null).statusCode());
      assign(capped, "all", "", Map.of("huge", "1.0.0"));
      ByteString uid = Messages.newUid();
      try (RawWebSocketAgent agent = capped.webSocketAgent()) {
        ServerToAgent first = agent.exchange(hello(uid, "any", "1", true));
        String url = (first.hasPackagesAvailable() ? first.getPackagesAvailable()
            : agent.next().getPackagesAvailable()).getPackagesOrThrow("huge").getFile().getDownloadUrl();
        java.net.URI u = java.net.URI.create(url);
        // A slow reader holds the only download slot.
        try (Socket slow = new Socket()) {
          slow.setReceiveBufferSize(4096);
          slow.connect(new java.net.InetSocketAddress("127.0.0.1", u.getPort()));
          OutputStream out = slow.getOutputStream();
          out.write(("GET " + u.getRawPath() + "?" + u.getRawQuery() + " HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
          out.flush();
          InputStream in = slow.getInputStream();
          byte[] head = new byte[12];
          assertEquals(12, in.readNBytes(head, 0, 12));
          assertTrue(new String(head, StandardCharsets.US_ASCII).contains("200"));
          var refused = get(url);
          assertEquals(503, refused.statusCode());
          assertTrue(refused.headers().firstValue("Retry-After").isPresent(), "503 says when to retry");
        }
        // Once the slot is free again, downloads are served.
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        int status = 0;
        while (System.nanoTime() < deadline && status != 200) {
          var again = get(url, "Range", "bytes=0-9");
          status = again.statusCode() == 206 ? 200 : 0;
          Thread.sleep(100);
        }
        assertEquals(200, status);
      }
    }
  }
}
