package dev.opamp.loadtest;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.opamp.gateway.proto.AgentToServer;
import dev.opamp.gateway.proto.ServerToAgent;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientResponse;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import java.util.ArrayDeque;

/**
 * An agent that polls over plain HTTP: each message is a POST whose answer is the server's
 * ServerToAgent. One request at a time; messages produced meanwhile (a config report) wait and go
 * right after, without waiting for the next poll.
 */
final class HttpAgent extends SimAgent {

  private final HttpClient client;
  private final ArrayDeque<AgentToServer> queued = new ArrayDeque<>(1);
  private boolean inFlight;
  private boolean open;

  HttpAgent(AgentEnv env, Context context, int index, int globalIndex, HttpClient client, Targets targets) {
    super(env, context, index, globalIndex, targets);
    this.client = client;
  }

  @Override
  boolean isWebSocket() {
    return false;
  }

  @Override
  String transportState() {
    return "http open=" + open + " inFlight=" + inFlight + " queued=" + queued.size();
  }

  @Override
  void open() {
    open = true;
    queued.clear();
    send(fullState());
  }

  @Override
  boolean send(AgentToServer message) {
    if (!open) {
      return false;
    }
    if (inFlight) {
      queued.add(message);
      return true;
    }
    inFlight = true;
    int mine = attempt;
    RequestOptions options = new RequestOptions().setMethod(HttpMethod.POST)
        .setHost(target().host()).setPort(target().port()).setURI(target().path()).setSsl(target().tls())
        .setTimeout(20_000)
        .putHeader(HttpHeaders.CONTENT_TYPE, "application/x-protobuf");
    if (env.authorization != null) {
      options.putHeader(HttpHeaders.AUTHORIZATION, env.authorization);
    }
    client.request(options)
        .compose(request -> request.send(Buffer.buffer(message.toByteArray())))
        .compose(response -> response.body().map(body -> new Answer(response, body)))
        .onComplete(ar -> {
          inFlight = false;
          if (mine != attempt || stopped) {
            // An answer to an earlier connection attempt: only let the new attempt's messages go.
            AgentToServer waiting = queued.poll();
            if (waiting != null && open && !stopped) {
              send(waiting);
            }
            return;
          }
          if (ar.failed()) {
            open = false;
            failed("http: " + Errors.reason(ar.cause()));
            return;
          }
          onAnswer(ar.result());
          AgentToServer next = queued.poll();
          if (next != null && open) {
            send(next);
          }
        });
    return true;
  }

  private record Answer(HttpClientResponse response, Buffer body) { }

  private void onAnswer(Answer a) {
    int status = a.response().statusCode();
    if (status == 503 || status == 429) {
      env.stats.error("http " + status);
      open = false;
      lost();
      long millis = retryAfterMillis(a.response().getHeader(HttpHeaders.RETRY_AFTER));
      retryAfter(millis + java.util.concurrent.ThreadLocalRandom.current().nextLong(millis / 5 + 1));
      return;
    }
    if (status != 200) {
      open = false;
      failed("http " + status);
      return;
    }
    ServerToAgent m;
    try {
      m = ServerToAgent.parseFrom(a.body().getBytes());
    } catch (InvalidProtocolBufferException e) {
      env.stats.error("undecodable");
      return;
    }
    onReply(m);
  }

  private static long retryAfterMillis(String header) {
    if (header != null) {
      try {
        return Math.max(1, Long.parseLong(header.trim())) * 1000;
      } catch (NumberFormatException e) {
        // an HTTP date: use the default below
      }
    }
    return 30_000;
  }

  @Override
  void closeConnection() {
    open = false;
    queued.clear();
  }
}
