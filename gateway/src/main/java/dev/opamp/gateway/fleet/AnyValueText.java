package dev.opamp.gateway.fleet;

import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.KeyValue;

/**
 * Renders an attribute value as the text that selectors compare against: a string as is,
 * booleans and numbers as Java prints them, bytes as lowercase hex, arrays and key-value
 * lists as compact JSON (non-finite doubles quoted, so the text stays JSON), an unset value
 * as "".
 */
final class AnyValueText {
  private AnyValueText() {}

  static String of(AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        return value.getStringValue();
      case BOOL_VALUE:
        return Boolean.toString(value.getBoolValue());
      case INT_VALUE:
        return Long.toString(value.getIntValue());
      case DOUBLE_VALUE:
        return Double.toString(value.getDoubleValue());
      case BYTES_VALUE:
        return Hex.hex(value.getBytesValue());
      case ARRAY_VALUE:
      case KVLIST_VALUE:
        StringBuilder out = new StringBuilder();
        appendJson(out, value);
        return out.toString();
      default:
        return "";
    }
  }

  private static void appendJson(StringBuilder out, AnyValue value) {
    switch (value.getValueCase()) {
      case STRING_VALUE:
        appendString(out, value.getStringValue());
        break;
      case BOOL_VALUE:
      case INT_VALUE:
        out.append(of(value));
        break;
      case DOUBLE_VALUE:
        double d = value.getDoubleValue();
        if (Double.isFinite(d)) {
          out.append(d);
        } else {
          appendString(out, Double.toString(d));
        }
        break;
      case BYTES_VALUE:
        appendString(out, Hex.hex(value.getBytesValue()));
        break;
      case ARRAY_VALUE:
        out.append('[');
        for (int i = 0; i < value.getArrayValue().getValuesCount(); i++) {
          if (i > 0) {
            out.append(',');
          }
          appendJson(out, value.getArrayValue().getValues(i));
        }
        out.append(']');
        break;
      case KVLIST_VALUE:
        out.append('{');
        boolean first = true;
        for (KeyValue kv : value.getKvlistValue().getValuesList()) {
          if (!first) {
            out.append(',');
          }
          first = false;
          appendString(out, kv.getKey());
          out.append(':');
          appendJson(out, kv.getValue());
        }
        out.append('}');
        break;
      default:
        out.append("null");
        break;
    }
  }

  private static void appendString(StringBuilder out, String s) {
    out.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"':
          out.append("\\\"");
          break;
        case '\\':
          out.append("\\\\");
          break;
        case '\n':
          out.append("\\n");
          break;
        case '\r':
          out.append("\\r");
          break;
        case '\t':
          out.append("\\t");
          break;
        default:
          if (c < 0x20) {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
      }
    }
    out.append('"');
  }
}
