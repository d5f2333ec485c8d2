package dev.opamp.gateway.api;

import dev.opamp.gateway.fleet.Selector;
import dev.opamp.gateway.packages.PackageRepository;
import dev.opamp.gateway.protocol.InstanceUids;
import dev.opamp.gateway.packages.proto.PackageAssignment;
import io.vertx.core.Future;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Instant;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * {@code /api/v1/package-assignments}: which package versions the agents a selector matches
 * should have (and {@code /api/v1/agents/{uid}/package-blocks}: versions that failed on an agent). Among the assignments matching an agent, the highest priority wins (then the name),
 * as with configs.
 */
public final class PackageAssignmentsResource implements ApiResource {

  private final PackageRepository packages;
  private final Supplier<Future<Void>> applyHere;

  public PackageAssignmentsResource(PackageRepository packages, Supplier<Future<Void>> applyHere) {
    this.packages = packages;
    this.applyHere = applyHere;
  }

  @Override
  public void mount(Router r) {
    r.put("/api/v1/package-assignments/:name").handler(BodyHandler.create().setBodyLimit(256 * 1024))
        .handler(this::put);
    r.get("/api/v1/package-assignments").handler(this::list);
    r.get("/api/v1/package-assignments/:name").handler(this::one);
    r.delete("/api/v1/package-assignments/:name").handler(this::delete);
    r.get("/api/v1/agents/:uid/package-blocks").handler(this::blocks);
    r.delete("/api/v1/agents/:uid/package-blocks").handler(this::clearBlocks);
  }

  private void blocks(RoutingContext ctx) {
    String key = InstanceUids.keyFromText(ctx.pathParam("uid"));
    if (key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
      return;
    }
    packages.blocks(key).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (r.result() == null) {
        ApiError.send(ctx, 404, "no blocked packages", key);
      } else {
        ctx.json(new JsonObject().put("instanceUid", key)
            .put("versions", new JsonArray(new java.util.ArrayList<>(r.result().getVersionsList())))
            .put("reason", r.result().getReason())
            .put("updatedAt", Instant.ofEpochMilli(r.result().getUpdatedUnixMs()).toString()));
      }
    });
  }

  private void clearBlocks(RoutingContext ctx) {
    String key = InstanceUids.keyFromText(ctx.pathParam("uid"));
    if (key == null) {
      ApiError.send(ctx, 400, "bad instance uid", "give 32 hex digits or the canonical UUID form");
      return;
    }
    packages.clearBlocks(key).compose(existed -> applyHere.get().map(existed)).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (!r.result()) {
        ApiError.send(ctx, 404, "no blocked packages", key);
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  private void put(RoutingContext ctx) {
    PackageAssignment assignment;
    try {
      assignment = parse(ctx.pathParam("name"), JsonFields.body(ctx));
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "bad package assignment", e.getMessage());
      return;
    }
    boolean deploy;
    try {
      JsonObject body = JsonFields.body(ctx);
      deploy = body == null || JsonFields.bool(body, "deploy", true);
    } catch (IllegalArgumentException e) {
      ApiError.send(ctx, 400, "bad package assignment", e.getMessage());
      return;
    }
    packages.assign(assignment, deploy).compose(a -> applyHere.get().map(a)).onComplete(r -> {
      if (r.failed() && r.cause() instanceof PackageRepository.RefusedException refused) {
        ApiError.send(ctx, refused.status, "no such package version", refused.getMessage());
      } else if (r.failed()) {
        unavailable(ctx, r.cause());
      } else {
        ctx.json(json(r.result()));
      }
    });
  }

  static PackageAssignment parse(String name, JsonObject body) {
    if (!PackagesResource.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "an assignment name is 1-128 letters, digits, '.', '_' or '-', starting with a letter or digit");
    }
    if (body == null) {
      throw new IllegalArgumentException(
          "give {\"selector\": \"...\", \"priority\": 0, \"packages\": {\"otelcol\": \"0.140.0\"}}");
    }
    JsonObject given = JsonFields.object(body, "packages");
    if (given == null || given.isEmpty()) {
      throw new IllegalArgumentException("\"packages\" must name at least one package: {\"otelcol\": \"0.140.0\"}");
    }
    PackageAssignment.Builder a = PackageAssignment.newBuilder()
        .setName(name)
        .setSelector(Selector.parse(JsonFields.string(body, "selector", "")).toString())
        .setPriority(JsonFields.integer(body, "priority", 0))
        .setAuthor(JsonFields.string(body, "author", "api"))
        .setUpdatedUnixMs(System.currentTimeMillis());
    for (String pkg : given.fieldNames()) {
      if (!(given.getValue(pkg) instanceof String version)) {
        throw new IllegalArgumentException("the version of package " + pkg + " must be a string");
      }
      String bad = PackagesResource.checkNameAndVersion(pkg, version);
      if (bad != null) {
        throw new IllegalArgumentException(bad);
      }
      a.putPackages(pkg, version);
    }
    return a.build();
  }

  private void list(RoutingContext ctx) {
    packages.assignments().onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
        return;
      }
      JsonArray out = new JsonArray();
      r.result().forEach(a -> out.add(json(a)));
      ctx.json(new JsonObject().put("assignments", out));
    });
  }

  private void one(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    packages.assignment(name).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (r.result() == null) {
        ApiError.send(ctx, 404, "no such package assignment", name);
      } else {
        ctx.json(json(r.result()));
      }
    });
  }

  private void delete(RoutingContext ctx) {
    String name = ctx.pathParam("name");
    packages.unassign(name).compose(existed -> applyHere.get().map(existed)).onComplete(r -> {
      if (r.failed()) {
        unavailable(ctx, r.cause());
      } else if (!r.result()) {
        ApiError.send(ctx, 404, "no such package assignment", name);
      } else {
        ctx.response().setStatusCode(204).end();
      }
    });
  }

  static JsonObject json(PackageAssignment a) {
    JsonObject packages = new JsonObject();
    new TreeMap<>(a.getPackagesMap()).forEach(packages::put);
    return new JsonObject()
        .put("name", a.getName())
        .put("selector", a.getSelector())
        .put("priority", a.getPriority())
        .put("packages", packages)
        .put("stagedPackages", a.getStagedPackagesMap().isEmpty() ? null
            : new JsonObject(new TreeMap<String, Object>(a.getStagedPackagesMap())))
        .put("author", a.getAuthor())
        .put("updatedAt", Instant.ofEpochMilli(a.getUpdatedUnixMs()).toString());
  }

  private static void unavailable(RoutingContext ctx, Throwable failure) {
    ApiError.send(ctx, 503, "desired state unavailable", String.valueOf(failure.getMessage()));
  }
}
