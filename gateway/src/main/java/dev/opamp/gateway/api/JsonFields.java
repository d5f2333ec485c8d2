package dev.opamp.gateway.api;

import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.web.RoutingContext;

/** Typed reading of request fields, with errors that say which field and what was expected. */
final class JsonFields {

  private JsonFields() {}

  /** The body as a JSON object, or null when empty; a body that is not an object is refused. */
  static JsonObject body(RoutingContext ctx) {
    String text = ctx.body().asString();
    if (text == null || text.isBlank()) {
      return null;
    }
    try {
      Object parsed = io.vertx.core.json.Json.decodeValue(text);
      if (parsed instanceof JsonObject o) {
        return o;
      }
    } catch (DecodeException e) {
      throw new IllegalArgumentException("the body is not valid JSON: " + e.getMessage());
    }
    throw new IllegalArgumentException("the body must be a JSON object");
  }

  static String string(JsonObject o, String field, String otherwise) {
    Object v = o.getValue(field);
    if (v == null) {
      return otherwise;
    }
    if (v instanceof String s) {
      return s;
    }
    throw new IllegalArgumentException(field + " must be a string");
  }

  static int integer(JsonObject o, String field, int otherwise) {
    Long v = longValue(o, field, (long) otherwise);
    if (v < Integer.MIN_VALUE || v > Integer.MAX_VALUE) {
      throw new IllegalArgumentException(field + " is out of range");
    }
    return v.intValue();
  }

  static Long longValue(JsonObject o, String field, Long otherwise) {
    Object v = o.getValue(field);
    if (v == null) {
      return otherwise;
    }
    if (v instanceof Number n && n.doubleValue() == Math.rint(n.doubleValue())) {
      return n.longValue();
    }
    throw new IllegalArgumentException(field + " must be a whole number");
  }

  static double number(JsonObject o, String field, double otherwise) {
    Object v = o.getValue(field);
    if (v == null) {
      return otherwise;
    }
    if (v instanceof Number n) {
      return n.doubleValue();
    }
    throw new IllegalArgumentException(field + " must be a number");
  }

  static boolean bool(JsonObject o, String field, boolean otherwise) {
    Object v = o.getValue(field);
    if (v == null) {
      return otherwise;
    }
    if (v instanceof Boolean b) {
      return b;
    }
    throw new IllegalArgumentException(field + " must be true or false");
  }

  static JsonObject object(JsonObject o, String field) {
    Object v = o.getValue(field);
    if (v == null || v instanceof JsonObject) {
      return (JsonObject) v;
    }
    throw new IllegalArgumentException(field + " must be a JSON object");
  }
}
