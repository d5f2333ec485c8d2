package dev.opamp.gateway.tls;

/**
 * A PEM file that cannot serve: unreadable, not PEM, no certificate, a key that does not belong
 * to the certificate. The message is one line naming the file and the problem, never key bytes.
 */
public final class TlsMaterialException extends Exception {

  private static final long serialVersionUID = 1L;

  public TlsMaterialException(String message) {
    super(message);
  }

  public TlsMaterialException(String message, Throwable cause) {
    super(message, cause);
  }
}
