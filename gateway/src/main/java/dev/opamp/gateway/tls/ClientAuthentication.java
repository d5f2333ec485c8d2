package dev.opamp.gateway.tls;

import io.vertx.core.http.ClientAuth;
import java.util.Locale;

/** Whether the OpAMP listener asks agents for a client certificate ({@code --opamp-client-auth}). */
public enum ClientAuthentication {
  /** No client certificate is asked for. */
  NONE(ClientAuth.NONE),
  /** Asked for; an agent without one is served, one with a certificate that fails verification is refused. */
  OPTIONAL(ClientAuth.REQUEST),
  /** Agents without a verified client certificate are refused at the handshake. */
  REQUIRED(ClientAuth.REQUIRED);

  private final ClientAuth vertx;

  ClientAuthentication(ClientAuth vertx) {
    this.vertx = vertx;
  }

  ClientAuth vertx() {
    return vertx;
  }

  /** The setting's spelling: {@code none}, {@code optional}, {@code required}. */
  public String label() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** Parses the setting's spelling (any case); null if it is none of them. */
  public static ClientAuthentication parse(String text) {
    for (ClientAuthentication mode : values()) {
      if (mode.label().equalsIgnoreCase(text.strip())) {
        return mode;
      }
    }
    return null;
  }
}
