package dev.opamp.gateway.api;

import io.vertx.ext.web.Router;

/** A group of REST endpoints that mounts itself on the admin router. */
@FunctionalInterface
public interface ApiResource {
  void mount(Router router);
}
