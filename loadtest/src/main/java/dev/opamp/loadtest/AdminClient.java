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
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

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
