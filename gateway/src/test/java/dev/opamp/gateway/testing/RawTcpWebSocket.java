package dev.opamp.gateway.testing;

import com.google.protobuf.MessageLite;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A WebSocket client on a bare blocking socket, for peers no library would imitate: one that
 * never reads (never answers pings, never drains replies) while it keeps writing. Its receive
 * buffer is tiny, so the server's replies back up quickly. It can also read the server's frames
 * one by one, to see which kinds the server sends.
 */
public final class RawTcpWebSocket implements AutoCloseable {

  /** The opcode of a ping frame. */
  public static final int PING = 0x9;

  private final Socket socket;
  private final OutputStream out;

  private RawTcpWebSocket(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
  }

  /** Connects and completes the upgrade handshake; nothing is read after that. */
  public static RawTcpWebSocket connect(int port) throws IOException {
    Socket socket = new Socket();
    socket.setReceiveBufferSize(4096);
    socket.connect(new InetSocketAddress("127.0.0.1", port), 10_000);
    socket.setSoTimeout(10_000);
    socket.getOutputStream().write(("GET /v1/opamp HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\n"
        + "Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1));
    InputStream in = socket.getInputStream();
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    while (!head.toString(StandardCharsets.ISO_8859_1).endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed during the upgrade: " + head);
      }
      head.write(b);
    }
    if (!head.toString(StandardCharsets.ISO_8859_1).startsWith("HTTP/1.1 101")) {
      throw new IOException("upgrade refused: " + head);
    }
    return new RawTcpWebSocket(socket);
  }

  /** Sends one OpAMP message (header 0) as a masked binary frame; blocks while the server does not read. */
  public void send(MessageLite message) throws IOException {
    byte[] payload = message.toByteArray();
    int length = payload.length + 1;
    ByteArrayOutputStream frame = new ByteArrayOutputStream(length + 8);
    frame.write(0x82);
    if (length < 126) {
      frame.write(0x80 | length);
    } else {
      frame.write(0x80 | 126);
      frame.write(length >>> 8);
      frame.write(length & 0xff);
    }
    frame.write(new byte[4]); // masking key 0: the payload goes as is
    frame.write(0);
    frame.write(payload);
    out.write(frame.toByteArray());
  }

  /**
   * Reads the next frame from the server (whole, payload skipped) and answers its opcode; -1 if
   * none came within {@code timeoutMillis}. Pings are not answered.
   */
  public int readFrameOpcode(int timeoutMillis) throws IOException {
    InputStream in = socket.getInputStream();
    socket.setSoTimeout(timeoutMillis);
    int first;
    try {
      first = in.read();
    } catch (java.net.SocketTimeoutException e) {
      return -1;
    }
    if (first < 0) {
      throw new IOException("closed by the server");
    }
    long length = in.read() & 0x7f; // server frames are not masked
    if (length == 126) {
      length = (in.read() << 8) | in.read();
    } else if (length == 127) {
      length = 0;
      for (int i = 0; i < 8; i++) {
        length = (length << 8) | in.read();
      }
    }
    in.readNBytes((int) length);
    return first & 0x0f;
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
