package dev.opamp.gateway.protocol;

import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.ServerCapabilities;
import java.util.ArrayList;
import java.util.List;

/**
 * Human-readable names for the bits of {@code AgentToServer.capabilities} and
 * {@code ServerToAgent.capabilities}, taken from the generated protobuf enums so that a new
 * capability in the .proto is named here without further work.
 */
public final class Capabilities {
  private static final String[] AGENT_NAMES = namesByBit(AgentCapabilities.getDescriptor());
  private static final String[] SERVER_NAMES = namesByBit(ServerCapabilities.getDescriptor());

  private Capabilities() {}

  /**
   * The names of the set agent capability bits, lowest bit first, without the
   * {@code AgentCapabilities_} prefix (e.g. {@code ReportsStatus}); a set bit the
   * specification does not define is named {@code Unknown(0x...)} with its value in hex.
   */
  public static List<String> agentCapabilityNames(long bits) {
    return names(bits, AGENT_NAMES);
  }

  /**
   * The names of the set server capability bits, lowest bit first, without the
   * {@code ServerCapabilities_} prefix (e.g. {@code AcceptsStatus}); undefined set bits are
   * named {@code Unknown(0x...)}.
   */
  public static List<String> serverCapabilityNames(long bits) {
    return names(bits, SERVER_NAMES);
  }

  /** Whether {@code bits} (an agent's capabilities) include {@code capability}. */
  public static boolean has(long bits, AgentCapabilities capability) {
    return (bits & capability.getNumber()) != 0;
  }

  /** Whether {@code bits} (a server's capabilities) include {@code capability}. */
  public static boolean has(long bits, ServerCapabilities capability) {
    return (bits & capability.getNumber()) != 0;
  }

  private static List<String> names(long bits, String[] namesByBit) {
    List<String> names = new ArrayList<>(Long.bitCount(bits));
    for (int bit = 0; bit < 64; bit++) {
      long mask = 1L << bit;
      if ((bits & mask) != 0) {
        names.add(namesByBit[bit] != null
            ? namesByBit[bit]
            : "Unknown(0x" + Long.toHexString(mask) + ")");
      }
    }
    return List.copyOf(names);
  }

  /** Index i holds the name of the enum value 1 << i, or null when there is none. */
  private static String[] namesByBit(EnumDescriptor descriptor) {
    String prefix = descriptor.getName() + "_";
    String[] names = new String[64];
    for (EnumValueDescriptor value : descriptor.getValues()) {
      int number = value.getNumber();
      // Skips the zero "Unspecified" value; every other value is one bit.
      if (Integer.bitCount(number) == 1) {
        String name = value.getName();
        names[Integer.numberOfTrailingZeros(number)] =
            name.startsWith(prefix) ? name.substring(prefix.length()) : name;
      }
    }
    return names;
  }
}
