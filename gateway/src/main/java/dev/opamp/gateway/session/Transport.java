package dev.opamp.gateway.session;

/** The two OpAMP transports; {@link #label()} is the name used in records, APIs and metrics. */
public enum Transport {
  WEBSOCKET("websocket"),
  HTTP("http");

  private final String label;

  Transport(String label) {
    this.label = label;
  }

  public String label() {
    return label;
  }
}
