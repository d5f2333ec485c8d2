package dev.opamp.gateway.tls;

import dev.opamp.gateway.config.GatewaySettings;
import dev.opamp.gateway.config.SettingsException;
import dev.opamp.gateway.metrics.GatewayMetrics;
import io.vertx.core.Future;
import io.vertx.core.Vertx;

/**
 * The TLS of a node's two listeners as the settings ask for it: each {@code null} when that port
 * is plain. Loading reads and checks every PEM file, so a bad file stops the start with a
 * message naming its setting.
 */
public final class GatewayTls {

  private final ListenerTls opamp;
  private final ListenerTls admin;

  private GatewayTls(ListenerTls opamp, ListenerTls admin) {
    this.opamp = opamp;
    this.admin = admin;
  }

  /** Reads the files on a worker thread; fails with a {@link SettingsException} for a bad one. */
  public static Future<GatewayTls> load(Vertx vertx, GatewaySettings settings, ClientCertificatePolicy policy,
      GatewayMetrics metrics) {
    return vertx.executeBlocking(() -> {
      try {
        ListenerTls opamp = !settings.opampTls() ? null : ListenerTls.load(
            new ListenerFiles("opamp", settings.opampTlsCert(), "--opamp-tls-cert", settings.opampTlsKey(),
                "--opamp-tls-key"),
            settings.opampClientAuth(), settings.opampClientCa(), "--opamp-client-ca", policy, metrics);
        ListenerTls admin = !settings.adminTls() ? null : ListenerTls.serverOnly(
            new ListenerFiles("admin", settings.adminTlsCert(), "--admin-tls-cert", settings.adminTlsKey(),
                "--admin-tls-key"), metrics);
        return new GatewayTls(opamp, admin);
      } catch (TlsMaterialException e) {
        throw new SettingsException(e.getMessage(), e);
      }
    }, false);
  }

  /** The OpAMP port's TLS; null when it is plain HTTP and WS. */
  public ListenerTls opamp() {
    return opamp;
  }

  /** The admin port's TLS; null when it is plain HTTP. */
  public ListenerTls admin() {
    return admin;
  }

  /** Puts the client-certificate policy's current anchors in force (on a worker thread). */
  public Future<Void> refreshTrust(Vertx vertx) {
    if (opamp == null) {
      return Future.succeededFuture();
    }
    return vertx.executeBlocking(() -> {
      opamp.refreshTrust();
      return null;
    }, false);
  }

  /** Starts watching the files of both listeners ({@code --tls-reload-interval}). */
  public void startWatching(Vertx vertx, GatewaySettings settings) {
    if (opamp != null) {
      opamp.startWatching(vertx, settings.tlsReloadInterval());
    }
    if (admin != null) {
      admin.startWatching(vertx, settings.tlsReloadInterval());
    }
  }

  public void stopWatching() {
    if (opamp != null) {
      opamp.stopWatching();
    }
    if (admin != null) {
      admin.stopWatching();
    }
  }
}
