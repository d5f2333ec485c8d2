package dev.opamp.gateway.api;

import dev.opamp.gateway.credentials.ConnectionSettingsRollouts;
import dev.opamp.gateway.packages.PackageRollouts;
import dev.opamp.gateway.remoteconfig.RolloutDriver;
import dev.opamp.gateway.remoteconfig.RolloutRepository;
import dev.opamp.gateway.remoteconfig.RolloutStrategies;
import dev.opamp.gateway.remoteconfig.proto.Rollout;
import dev.opamp.gateway.remoteconfig.proto.RolloutStrategy;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.util.Set;

/**
 * {@code /api/v1/rollouts}: staged changes of a config (to a version), of a package assignment
 * (to its staged set) or of a connection-settings definition (to its staged settings), watched
 * wave by wave, paused, rolled back.
 */
public final class RolloutsResource implements ApiResource {

  private final Vertx vertx;
  private final RolloutRepository rollouts;
  private final RolloutDriver driver;
  private final PackageRollouts packages;
  private final ConnectionSettingsRollouts connectionSettings;

  public RolloutsResource(Vertx vertx, RolloutRepository rollouts, RolloutDriver driver, PackageRollouts packages,
      ConnectionSettingsRollouts connectionSettings) {
    this.vertx = vertx;
    this.rollouts = rollouts;
    this.driver = driver;
    this.packages = packages;
    this.connectionSettings = connectionSettings;
  }

  @Override
  public void mount(Router r) {
    r.post("/api/v1/rollouts").handler(BodyHandler.create().setBodyLimit(64 * 1024)).handler(this::start);
    r.get("/api/v1/rollouts").handler(this::list);
    r.get("/api/v1/rollouts/:id").handler(this::one);
    r.post("/api/v1/rollouts/:id/pause").handler(ctx -> change(ctx, Set.of("running"), "paused", "paused by API"));
    r.post("/api/v1/rollouts/:id/abort").handler(ctx ->
        change(ctx, Set.of("running", "paused"), "aborted", "aborted by API"));
    r.post("/api/v1/rollouts/:id/rollback").handler(ctx ->
        change(ctx, Set.of("running", "paused", "aborted"), "rolled_back", "rolled back by API"));
    r.post("/api/v1/rollouts/:id/resume").handler(this::resume);
  }

  private void start(RoutingContext ctx) {
    String config;
    String assignment;
    String settings;
    long version;
    RolloutStrategy strategy;
    try {
      JsonObject body = JsonFields.body(ctx);
      config = body == null ? null : JsonFields.string(body, "config", null);
      assignment = body == null ? null : JsonFields.string(body, "packages", null);
      settings = body == null ? null : JsonFields.string(body, "connectionSettings", null);
      if (java.util.stream.Stream.of(config, assignment, settings).filter(java.util.Objects::nonNull).count() != 1) {
        throw new IllegalArgumentException("the body must name one of a \"config\", a package assignment as "
            + "\"packages\" or a connection-settings definition as \"connectionSettings\"");
      }
      version = JsonFields.longValue(body, "version", 0L);
      if (version < 0) {
        throw new IllegalArgumentException("version must be a whole number from 1 (or left out: the latest)");
      }
      JsonObject given = JsonFields.object(body, "strategy");
      strategy = RolloutStrategies.withDefaults(strategy(given == null ? new JsonObject() : given));
    } catch (RuntimeException e) {
      ApiError.send(ctx, 400, "bad rollout", e.getMessage());
      return;
    }
    var started = config != null ? rollouts.start(config, version, strategy)
        : assignment != null ? packages.start(assignment, strategy) : connectionSettings.start(settings, strategy);
    started.onComplete(r -> {
      if (r.succeeded()) {
        ctx.response().setStatusCode(201);
        ctx.json(summary(r.result()));
      } else if (r.cause() instanceof RolloutRepository.RefusedException refused) {
        ApiError.send(ctx, refused.status, "rollout refused", refused.getMessage());
      } else {
        ApiError.send(ctx, 503, "desired state unavailable", String.valueOf(r.cause().getMessage()));
      }
    });
  }

  private void list(RoutingContext ctx) {
    rollouts.list().onComplete(r -> {
      if (r.failed()) {
        ApiError.send(ctx, 503, "desired state unavailable", String.valueOf(r.cause().getMessage()));
        return;
      }
      JsonArray out = new JsonArray();
      r.result().forEach(x -> out.add(summary(x)));
      ctx.json(new JsonObject().put("rollouts", out));
    });
  }

  /** A rollout in lists: a config and version, a package assignment or a connection-settings definition. */
  private static JsonObject summary(Rollout r) {
    boolean ofConfig = !r.getConfig().isEmpty();
    return new JsonObject().put("id", r.getId())
        .put("config", ofConfig ? r.getConfig() : null)
        .put("version", ofConfig ? r.getVersion() : null)
        .put("packages", r.getPackages().isEmpty() ? null : r.getPackages())
        .put("connectionSettings", r.getConnectionSettings().isEmpty() ? null : r.getConnectionSettings())
        .put("state", r.getState());
  }

  private void one(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    vertx.executeBlocking(() -> driver.describeNow(id), false).onComplete(r -> reply(ctx, r.result(), r.cause(), id));
  }

  private void resume(RoutingContext ctx) {
    String id = ctx.pathParam("id");
    vertx.executeBlocking(() -> {
      Rollout after = driver.resumeNow(id);
      if (after == null) {
        return null;
      }
      return "running".equals(after.getState()) ? driver.describeNow(id)
          : new JsonObject().put("conflict", after.getState());
    }, false).onComplete(r -> reply(ctx, r.result(), r.cause(), id));
  }

  private void change(RoutingContext ctx, Set<String> from, String to, String reason) {
    String id = ctx.pathParam("id");
    vertx.executeBlocking(() -> {
      Rollout before = rollouts.getNow(id);
      if (before == null) {
        return null;
      }
      if (!from.contains(before.getState())) {
        return new JsonObject().put("conflict", before.getState());
      }
      Rollout after = driver.changeStateNow(id, from, to, reason);
      return to.equals(after.getState()) ? driver.describeNow(id) : new JsonObject().put("conflict", after.getState());
    }, false).onComplete(r -> reply(ctx, r.result(), r.cause(), id));
  }

  private static void reply(RoutingContext ctx, JsonObject body, Throwable failure, String id) {
    if (failure != null) {
      ApiError.send(ctx, 503, "desired state unavailable", String.valueOf(failure.getMessage()));
    } else if (body == null) {
      ApiError.send(ctx, 404, "no such rollout", id);
    } else if (body.containsKey("conflict")) {
      ApiError.send(ctx, 409, "not possible in this state", "the rollout is " + body.getString("conflict"));
    } else {
      ctx.json(body);
    }
  }

  private static RolloutStrategy strategy(JsonObject s) {
    double growth = JsonFields.number(s, "growth", 2.0);
    if (!(growth >= 1)) {
      throw new IllegalArgumentException("growth must be a number of at least 1");
    }
    return RolloutStrategy.newBuilder()
        .setCanary(countText(s.getValue("canary")))
        .setGrowth(growth)
        .setWaitSeconds(seconds(s, "waitSeconds"))
        .setHealthySeconds(seconds(s, "healthySeconds"))
        .setMaxFailures(countText(s.getValue("maxFailures")))
        .setOnFailure(JsonFields.string(s, "onFailure", ""))
        .setDeadlineSeconds(seconds(s, "deadlineSeconds", 600))
        .build();
  }

  private static int seconds(JsonObject s, String field) {
    return seconds(s, field, 5);
  }

  private static int seconds(JsonObject s, String field, long otherwise) {
    long value = JsonFields.longValue(s, field, otherwise);
    if (value < 0 || value > 86_400) {
      throw new IllegalArgumentException(field + " must be a whole number of seconds from 0 to 86400");
    }
    return (int) value;
  }

  private static String countText(Object value) {
    return value == null ? "" : String.valueOf(value);
  }
}
