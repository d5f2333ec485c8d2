package dev.opamp.gateway.api;

import dev.opamp.gateway.credentials.AgentCredentials;
import dev.opamp.gateway.credentials.proto.AgentCredential;
import dev.opamp.gateway.credentials.proto.CsrPolicy;
import dev.opamp.gateway.credentials.proto.IssuedCertificate;
import dev.opamp.gateway.fleet.AgentQuery;
import dev.opamp.gateway.fleet.FleetStore;
import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.protocol.InstanceUids;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@code /api/v1/credentials}: the gateway CA's certificate, the CSR policy, agents' certificate
 * requests (approve, reject), the certificates issued, revocation and forced rotation. No answer
 * ever holds a private key: the gateway never has the agents' keys, and the CA's stays sealed.
 */
public final class CredentialsResource implements ApiResource {

  private static final Set<String> MODES = Set.of("auto", "selector", "manual");
  private static final Set<String> STATES = Set.of(AgentCredentials.PENDING, AgentCredentials.REFUSED,
      AgentCredentials.REJECTED, AgentCredentials.ISSUED);
  private static final Pattern SERIAL = Pattern.compile("[0-9a-fA-F]{1,64}");
  private static final long MAX_BODY = 64 * 1024;

  private final AgentCredentials credentials;
  private final FleetStore fleet;

  public CredentialsResource(AgentCredentials credentials, FleetStore fleet) {
    this.credentials = credentials;
    this.fleet = fleet;
  }

  @Override
  public void mount(Router r) {
    BodyHandler body = BodyHandler.create().setBodyLimit(MAX_BODY);
    r.get("/api/v1/credentials/ca").handler(this::ca);
    r.get("/api/v1/credentials/policy").handler(this::policy);
    r.put("/api/v1/credentials/policy").handler(body).handler(this::setPolicy);
    r.get("/api/v1/credentials/csrs").handler(this::csrs);
    r.post("/api/v1/credentials/csrs/:uid/approve").handler(this::approve);
    r.post("/api/v1/credentials/csrs/:uid/reject").handler(body).handler(this::reject);
    r.get("/api/v1/credentials/certificates").handler(this::certificates);
    r.post("/api/v1/credentials/revoke").handler(body).handler(this::revoke);
    r.post("/api/v1/credentials/rotate").handler(body).handler(this::rotate);
  }

  private void ca(RoutingContext ctx) {
    ctx.response().putHeader("Content-Type", "application/x-pem-file").end(credentials.caCertificatePem());
  }

  private void policy(RoutingContext ctx) {
    credentials.policy().onComplete(r -> answer(ctx, r.succeeded() ? policyJson(r.result()) : null, r.cause()));
  }

  private void setPolicy(RoutingContext ctx) {
    String mode;
    String selector;
    try {
      JsonObject body = JsonFields.body(ctx);
      mode = body == null ? null : JsonFields.string(body, "mode", null);
      if (mode == null || !MODES.contains(mode)) {
        throw new IllegalArgumentException("the body must be {\"mode\": \"auto\" | \"selector\" | \"manual\","
            + " \"selector\": \"...\"} (the selector for mode selector)");
      }
      selector = Selector.parse(JsonFields.string(body, "selector", "")).toString();
      if ("selector".equals(mode) && body.getValue("selector") == null) {
        throw new IllegalArgumentException("mode selector needs a \"selector\" naming the agents signed at once");
      }
    } catch (RuntimeException e) {
      ApiError.send(ctx, 400, "bad policy", e.getMessage());
      return;
    }
    credentials.setPolicy(mode, selector).onComplete(r -> answer(ctx, r.succeeded() ? policyJson(r.result()) : null,
        r.cause()));
  }

  private void csrs(RoutingContext ctx) {
    String state = ctx.queryParams().get("state");
    if (state != null && !STATES.contains(state)) {
      ApiError.send(ctx, 400, "bad state", "state is one of pending, refused, rejected, issued");
      return;
    }
    credentials.requests(state).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      JsonArray out = new JsonArray();
      r.result().stream()
          .filter(c -> state != null || !AgentCredentials.ISSUED.equals(c.getState()))
          .sorted(Comparator.comparing(AgentCredential::getAgent))
          .forEach(c -> out.add(requestJson(c)));
      ctx.json(new JsonObject().put("requests", out));
    });
  }

  private void approve(RoutingContext ctx) {
    String key = uid(ctx);
    if (key != null) {
      decided(ctx, key, credentials.approve(key));
    }
  }

  private void reject(RoutingContext ctx) {
    String key = uid(ctx);
    if (key == null) {
      return;
    }
    String reason;
    try {
      JsonObject body = JsonFields.body(ctx);
      reason = body == null ? "" : JsonFields.string(body, "reason", "");
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "bad request", e.getMessage());
      return;
    }
    decided(ctx, key, credentials.reject(key, reason));
  }

  private void decided(RoutingContext ctx, String key, Future<AgentCredentials.Decided> decision) {
    decision.onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      switch (r.result().decision()) {
        case DONE -> ctx.json(requestJson(r.result().credential()));
        case NO_REQUEST -> ApiError.send(ctx, 404, "no certificate request", key);
        case NOT_PENDING -> ApiError.send(ctx, 409, "request not pending", "the request of agent " + key
            + " was already decided");
      }
    });
  }

  private void certificates(RoutingContext ctx) {
    String agent = ctx.queryParams().get("agent");
    String key = agent == null ? null : InstanceUids.keyFromText(agent);
    if (agent != null && key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
      return;
    }
    credentials.certificates(key).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      JsonArray out = new JsonArray();
      r.result().stream().sorted(Comparator.comparing(IssuedCertificate::getAgent)
          .thenComparing(IssuedCertificate::getNotBeforeUnixMs)).forEach(c -> out.add(certificateJson(c)));
      ctx.json(new JsonObject().put("certificates", out));
    });
  }

  private void revoke(RoutingContext ctx) {
    String serial;
    String agent;
    try {
      JsonObject body = JsonFields.body(ctx);
      serial = body == null ? null : JsonFields.string(body, "serial", null);
      agent = body == null ? null : JsonFields.string(body, "agent", null);
      if ((serial == null) == (agent == null)) {
        throw new IllegalArgumentException("the body must be {\"serial\": \"<hex>\"} or {\"agent\": \"<instance uid>\"}");
      }
      if (serial != null && !SERIAL.matcher(serial).matches()) {
        throw new IllegalArgumentException("a serial is hex digits, as listed by /api/v1/credentials/certificates");
      }
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "bad request", e.getMessage());
      return;
    }
    String key = agent == null ? null : InstanceUids.keyFromText(agent);
    if (agent != null && key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
      return;
    }
    Future<List<String>> revoked = key != null ? credentials.revokeAgent(key)
        : credentials.revokeSerial(serial.toLowerCase(java.util.Locale.ROOT).replaceFirst("^0+(?=.)", ""));
    revoked.onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (r.result().isEmpty()) {
        ApiError.send(ctx, 404, "nothing to revoke", key != null ? "agent " + key + " holds no unrevoked certificate"
            : "no unrevoked certificate with serial " + serial);
      } else {
        ctx.json(new JsonObject().put("revoked", new JsonArray(r.result())));
      }
    });
  }

  private void rotate(RoutingContext ctx) {
    Selector selector;
    try {
      JsonObject body = JsonFields.body(ctx);
      String text = body == null ? null : JsonFields.string(body, "selector", null);
      if (text == null) {
        throw new IllegalArgumentException("the body must be {\"selector\": \"...\"} (\"\" selects every agent)");
      }
      selector = Selector.parse(text);
    } catch (RuntimeException e) {
      ApiError.send(ctx, 400, "bad request", e.getMessage());
      return;
    }
    fleet.keys(AgentQuery.of(selector, null, null)).compose(credentials::rotate).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else {
        ctx.json(new JsonObject().put("rotated", r.result()));
      }
    });
  }

  private static String uid(RoutingContext ctx) {
    String key = InstanceUids.keyFromText(ctx.pathParam("uid"));
    if (key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
    }
    return key;
  }

  static JsonObject policyJson(CsrPolicy p) {
    return new JsonObject().put("mode", p.getMode())
        .put("selector", p.getSelector())
        .put("updatedAt", p.getUpdatedUnixMs() == 0 ? null : Instant.ofEpochMilli(p.getUpdatedUnixMs()).toString());
  }

  static JsonObject requestJson(AgentCredential c) {
    return new JsonObject()
        .put("instanceUid", c.getAgent())
        .put("state", c.getState())
        .put("reason", c.getReason().isEmpty() ? null : c.getReason())
        .put("subject", c.getSubject().isEmpty() ? null : c.getSubject())
        .put("keyType", c.getKeyType().isEmpty() ? null : c.getKeyType())
        .put("requestedAt", millis(c.getRequestedUnixMs()))
        .put("certificateSerial", c.getSerial().isEmpty() ? null : c.getSerial())
        .put("certificateNotAfter", millis(c.getNotAfterUnixMs()))
        .put("revoked", c.getRevoked());
  }

  static JsonObject certificateJson(IssuedCertificate c) {
    return new JsonObject()
        .put("serial", c.getSerial())
        .put("instanceUid", c.getAgent())
        .put("notBefore", millis(c.getNotBeforeUnixMs()))
        .put("notAfter", millis(c.getNotAfterUnixMs()))
        .put("signedBy", c.getSignedBy())
        .put("revoked", c.getRevoked())
        .put("revokedAt", millis(c.getRevokedUnixMs()));
  }

  private static String millis(long unixMs) {
    return unixMs == 0 ? null : Instant.ofEpochMilli(unixMs).toString();
  }

  private static void answer(RoutingContext ctx, JsonObject body, Throwable failure) {
    if (failure != null) {
      unavailable(ctx, failure);
    } else {
      ctx.json(body);
    }
  }

  private static void unavailable(RoutingContext ctx, Throwable failure) {
    ApiError.send(ctx, 503, "credentials unavailable", String.valueOf(failure.getMessage()));
  }
}
