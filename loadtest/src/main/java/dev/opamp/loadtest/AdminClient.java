package dev.opamp.loadtest;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/** The few admin API calls the scenarios make, blocking, from the driver thread. */
final class AdminClient {

  record Answer(int status, String body) { }

  private final String base;
  private final String authorization;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5))
      // HTTP/1.1: the JDK client's h2c upgrade has been seen to hang past its request timeout.
      .version(HttpClient.Version.HTTP_1_1).build();

  AdminClient(String base, Path tokenFile) {
    this.base = base.endsWith("/") ? base.substring(0, base.length() - 1) : base;
    try {
      this.authorization = tokenFile == null ? null : "Bearer " + Files.readString(tokenFile).trim();
    } catch (IOException e) {
      throw new IllegalArgumentException("--admin-token-file: cannot read " + tokenFile + ": " + e);
    }
  }

  Answer get(String path, Duration timeout) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout).GET();
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  /**
   * PUT as multipart/form-data: the text {@code fields}, then the file streamed from disk as the
   * part {@code fileField}.
   */
  Answer putMultipart(String path, java.util.Map<String, String> fields, String fileField, Path file)
      throws IOException, InterruptedException {
    String boundary = "loadtest-" + java.util.UUID.randomUUID();
    StringBuilder head = new StringBuilder();
    fields.forEach((k, v) -> head.append("--").append(boundary).append("\r\n")
        .append("Content-Disposition: form-data; name=\"").append(k).append("\"\r\n\r\n").append(v).append("\r\n"));
    head.append("--").append(boundary).append("\r\n")
        .append("Content-Disposition: form-data; name=\"").append(fileField).append("\"; filename=\"")
        .append(file.getFileName()).append("\"\r\n")
        .append("Content-Type: application/octet-stream\r\n\r\n");
    HttpRequest.BodyPublisher body = HttpRequest.BodyPublishers.concat(
        HttpRequest.BodyPublishers.ofString(head.toString()),
        HttpRequest.BodyPublishers.ofFile(file),
        HttpRequest.BodyPublishers.ofString("\r\n--" + boundary + "--\r\n"));
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofMinutes(5))
        .header("Content-Type", "multipart/form-data; boundary=" + boundary)
        .PUT(body);
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }

  Answer put(String path, JsonObject body) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60))
        .header("Content-Type", "application/json")
        .PUT(HttpRequest.BodyPublishers.ofString(body.encode()));
    if (authorization != null) {
      b.header("Authorization", authorization);
    }
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(r.statusCode(), r.body());
  }
}
