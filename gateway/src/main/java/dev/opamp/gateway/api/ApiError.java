package dev.opamp.gateway.api;

import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** The one error shape of the REST API: {@code {"error": "...", "detail": "..."}}. */
final class ApiError {

  private ApiError() {}

  static void send(RoutingContext ctx, int status, String error, String detail) {
    if (ctx.response().ended()) {
      return;
    }
    JsonObject body = new JsonObject().put("error", error);
    if (detail != null) {
      body.put("detail", detail);
    }
    ctx.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(body.encode());
  }
}
