package dev.opamp.gateway.testing;

import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.concurrent.TimeUnit;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/** A hand-driven plain-HTTP agent for protocol tests: any body, any headers, the raw answer. */
public final class RawHttpAgent {

  /** What the server answered: status, headers and body (inflated if it was gzip). */
  public record Answer(int status, MultiMap headers, byte[] body) {
    public ServerToAgent message() throws IOException {
      return ServerToAgent.parseFrom(body);
    }

    public String text() {
      return new String(body, java.nio.charset.StandardCharsets.UTF_8);
    }
  }

  private final HttpClient client;
  private final int port;

  public RawHttpAgent(Vertx vertx, int port) {
    this(vertx, port, null);
  }

  /** Over HTTPS when {@code tls} is given: the server verified by its anchors, a client certificate if it has one. */
  public RawHttpAgent(Vertx vertx, int port, ClientTls tls) {
    // No automatic decompression: tests see whether the server really compressed.
    HttpClientOptions options = new HttpClientOptions().setDecompressionSupported(false);
    this.client = vertx.createHttpClient(tls == null ? options : tls.applyTo(options));
    this.port = port;
  }

  public ServerToAgent exchange(AgentToServer message) throws Exception {
    Answer answer = post(message.toByteArray(), MultiMap.caseInsensitiveMultiMap()
        .add("Content-Type", "application/x-protobuf"));
    if (answer.status() != 200) {
      throw new AssertionError("HTTP " + answer.status() + ": " + answer.text());
    }
    return answer.message();
  }

  public Answer post(byte[] body, MultiMap headers) throws Exception {
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setHost("127.0.0.1").setPort(port).setURI("/v1/opamp").setHeaders(headers);
    return client.request(options)
        .compose(req -> req.send(Buffer.buffer(body)))
        .compose(resp -> resp.body().map(b -> {
          byte[] bytes = b.getBytes();
          if ("gzip".equalsIgnoreCase(resp.getHeader("Content-Encoding"))) {
            bytes = gunzip(bytes);
          }
          return new Answer(resp.statusCode(), resp.headers(), bytes);
        }))
        .toCompletionStage().toCompletableFuture().get(15, TimeUnit.SECONDS);
  }

  public static byte[] gzip(byte[] bytes) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
      gz.write(bytes);
    }
    return out.toByteArray();
  }

  static byte[] gunzip(byte[] bytes) {
    try (GZIPInputStream in = new GZIPInputStream(new java.io.ByteArrayInputStream(bytes))) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new AssertionError("server sent bad gzip", e);
    }
  }
}
