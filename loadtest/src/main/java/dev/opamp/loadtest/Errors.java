package dev.opamp.loadtest;

/** Short, stable error kinds for counting: the exception's class and message, trimmed. */
final class Errors {

  private Errors() {}

  static String reason(Throwable t) {
    Throwable root = t;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage();
    String name = root.getClass().getSimpleName();
    if (message == null || message.isBlank()) {
      return name;
    }
    // Addresses and ports vary per connection; keep the kind, not the instance.
    message = message.replaceAll("[0-9]+(\\.[0-9]+){3}(:[0-9]+)?", "ADDR").replaceAll("localhost/ADDR", "ADDR");
    return message.length() > 80 ? message.substring(0, 80) : message;
  }
}
