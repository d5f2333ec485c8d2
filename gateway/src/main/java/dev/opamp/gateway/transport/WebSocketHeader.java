package dev.opamp.gateway.transport;

import io.vertx.core.buffer.Buffer;

/**
 * The OpAMP WebSocket message header: an unsigned 64-bit varint before the protobuf bytes. This
 * version of the protocol defines only the value 0; anything else makes the message malformed.
 */
final class WebSocketHeader {

  /** The one-byte header the server writes: varint 0. */
  static final byte ZERO = 0;

  private static final int MAX_VARINT_BYTES = 10;

  private WebSocketHeader() {}

  /** A malformed header, with a reason fit to send back to the agent. */
  static final class MalformedHeaderException extends Exception {
    MalformedHeaderException(String message) {
      super(message, null, false, false);
    }
  }

  /** Returns the offset where the protobuf bytes start, after checking that the header is 0. */
  static int payloadOffset(Buffer message) throws MalformedHeaderException {
    long value = 0;
    int length = message.length();
    for (int i = 0; i < MAX_VARINT_BYTES; i++) {
      if (i >= length) {
        throw new MalformedHeaderException(length == 0
            ? "empty WebSocket message: the OpAMP header is missing"
            : "truncated OpAMP WebSocket header");
      }
      byte b = message.getByte(i);
      if (i == MAX_VARINT_BYTES - 1 && (b & 0xfe) != 0) {
        throw new MalformedHeaderException("OpAMP WebSocket header is not a 64-bit varint");
      }
      value |= (long) (b & 0x7f) << (7 * i);
      if ((b & 0x80) == 0) {
        if (value != 0) {
          throw new MalformedHeaderException(
              "unsupported OpAMP WebSocket header " + Long.toUnsignedString(value) + " (only 0 is defined)");
        }
        return i + 1;
      }
    }
    throw new MalformedHeaderException("OpAMP WebSocket header is longer than 10 bytes");
  }
}
