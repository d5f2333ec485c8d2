package dev.opamp.gateway.store;

/**
 * The desired-state database did not take or give what was asked. Thrown from the map store,
 * it fails the Hazelcast map operation, so a write the database did not take is never
 * acknowledged. The message names the map and the table, never a value.
 */
public final class DesiredStateStoreException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  public DesiredStateStoreException(String message, Throwable cause) {
    super(message, cause);
  }
}
