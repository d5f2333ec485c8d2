package dev.opamp.gateway.packages;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.proto.PackagesAvailable;
import dev.opamp.gateway.testing.Messages;
import dev.opamp.gateway.testing.TestGateway;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.client.HttpResponse;
import io.vertx.ext.web.client.WebClient;
import io.vertx.ext.web.multipart.MultipartForm;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.security.MessageDigest;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;

/** What the package tests share: publishing through the API, and acting as a supervisor. */
final class PackageFixture {

  static final HttpClient HTTP = HttpClient.newHttpClient();

  private PackageFixture() {}

  static byte[] randomBytes(int n, long seed) {
    byte[] b = new byte[n];
    new Random(seed).nextBytes(b);
    return b;
  }

  static byte[] sha256(byte[] bytes) throws Exception {
    return MessageDigest.getInstance("SHA-256").digest(bytes);
  }

  /** Publishes a version as a multipart upload; the response, whatever its status. */
  static HttpResponse<Buffer> upload(TestGateway gateway, String name, String version, byte[] file,
      byte[] signature, String type) throws Exception {
    return upload(gateway, name, version, file, signature, type, null);
  }

  /** As above, with the SHA-256 the publisher claims for the file (null: none). */
  static HttpResponse<Buffer> upload(TestGateway gateway, String name, String version, byte[] file,
      byte[] signature, String type, String sha256) throws Exception {
    MultipartForm form = MultipartForm.create();
    if (sha256 != null) {
      form.attribute("sha256", sha256);
    }
    if (type != null) {
      form.attribute("type", type);
    }
    if (file != null) {
      form.binaryFileUpload("file", name + "-" + version + ".tar.gz", Buffer.buffer(file), "application/octet-stream");
    }
    if (signature != null) {
      form.binaryFileUpload("signature", "bundle.sigstore.json", Buffer.buffer(signature), "application/json");
    }
    WebClient client = WebClient.create(gateway.clientVertx());
    try {
      return client.put(gateway.adminPort(), "127.0.0.1", "/api/v1/packages/" + name + "/versions/" + version)
          .sendMultipartForm(form).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
    } finally {
      client.close();
    }
  }

  static void assign(TestGateway gateway, String name, String selector, Map<String, String> packages)
      throws Exception {
    var r = gateway.adminPut("/api/v1/package-assignments/" + name, new JsonObject()
        .put("selector", selector).put("packages", new JsonObject(Map.copyOf(packages))));
    assertEquals(200, r.statusCode(), r.bodyAsString());
  }

  /** A first message from an agent whose supervisor installs packages (or not). */
  static AgentToServer hello(ByteString uid, String service, String version, boolean acceptsPackages) {
    AgentToServer full = Messages.fullState(uid, 1, service);
    AgentDescription.Builder d = full.getAgentDescription().toBuilder();
    if (version != null) {
      d.addIdentifyingAttributes(Messages.attr("service.version", version));
    }
    return full.toBuilder().setAgentDescription(d)
        .setCapabilities(acceptsPackages ? Messages.PACKAGE_CAPABILITIES : Messages.CAPABILITIES).build();
  }

  /** The statuses a supervisor reports for an offer: every package in {@code status}. */
  static PackageStatuses statuses(PackagesAvailable offer, PackageStatusEnum status, String error) {
    PackageStatuses.Builder s = PackageStatuses.newBuilder()
        .setServerProvidedAllPackagesHash(offer.getAllPackagesHash());
    offer.getPackagesMap().forEach((name, p) -> s.putPackages(name, PackageStatus.newBuilder()
        .setName(name)
        .setAgentHasVersion(status == PackageStatusEnum.PackageStatusEnum_Installed ? p.getVersion() : "")
        .setAgentHasHash(status == PackageStatusEnum.PackageStatusEnum_Installed ? p.getHash() : ByteString.EMPTY)
        .setServerOfferedVersion(p.getVersion())
        .setServerOfferedHash(p.getHash())
        .setStatus(status)
        .setErrorMessage(error == null ? "" : error)
        .build()));
    return s.build();
  }

  /** GETs a URL (with extra headers as name, value pairs); the response with its body. */
  static java.net.http.HttpResponse<byte[]> get(String url, String... headers) throws Exception {
    HttpRequest.Builder r = HttpRequest.newBuilder(URI.create(url)).GET();
    for (int i = 0; i < headers.length; i += 2) {
      r.header(headers[i], headers[i + 1]);
    }
    return HTTP.send(r.build(), BodyHandlers.ofByteArray());
  }
}
