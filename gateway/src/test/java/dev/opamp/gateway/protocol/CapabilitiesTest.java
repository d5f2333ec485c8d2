package dev.opamp.gateway.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.opamp.gateway.proto.AgentCapabilities;
import dev.opamp.gateway.proto.ServerCapabilities;
import java.util.List;
import org.junit.jupiter.api.Test;

class CapabilitiesTest {
  @Test
  void namesAgentBitsInBitOrderWithoutPrefix() {
    long bits = AgentCapabilities.AgentCapabilities_ReportsHealth_VALUE
        | AgentCapabilities.AgentCapabilities_ReportsStatus_VALUE
        | AgentCapabilities.AgentCapabilities_AcceptsRemoteConfig_VALUE;
    assertEquals(List.of("ReportsStatus", "AcceptsRemoteConfig", "ReportsHealth"),
        Capabilities.agentCapabilityNames(bits));
  }

  @Test
  void namesEveryDefinedAgentBit() {
    List<String> all = Capabilities.agentCapabilityNames(0xffffL);
    assertEquals(16, all.size());
    assertEquals("ReportsStatus", all.get(0));
    assertEquals("AcceptsOpAMPConnectionSettings", all.get(8));
    assertEquals("ReportsConnectionSettingsStatus", all.get(15));
  }

  @Test
  void namesUndefinedBitsAsUnknownHex() {
    assertEquals(List.of("ReportsStatus", "Unknown(0x10000)", "Unknown(0x8000000000000000)"),
        Capabilities.agentCapabilityNames(1L | 0x10000L | Long.MIN_VALUE));
    assertEquals(List.of("Unknown(0x80)"), Capabilities.serverCapabilityNames(0x80L));
  }

  @Test
  void noBitsNoNames() {
    assertEquals(List.of(), Capabilities.agentCapabilityNames(0));
    assertEquals(List.of(), Capabilities.serverCapabilityNames(0));
  }

  @Test
  void namesServerBits() {
    assertEquals(
        List.of("AcceptsStatus", "OffersRemoteConfig", "AcceptsEffectiveConfig", "OffersPackages",
            "AcceptsPackagesStatus", "OffersConnectionSettings",
            "AcceptsConnectionSettingsRequest"),
        Capabilities.serverCapabilityNames(0x7fL));
  }

  @Test
  void testsSingleCapabilities() {
    long bits = AgentCapabilities.AgentCapabilities_AcceptsRestartCommand_VALUE;
    assertTrue(Capabilities.has(bits, AgentCapabilities.AgentCapabilities_AcceptsRestartCommand));
    assertFalse(Capabilities.has(bits, AgentCapabilities.AgentCapabilities_AcceptsPackages));
    assertTrue(Capabilities.has(0x2L, ServerCapabilities.ServerCapabilities_OffersRemoteConfig));
    assertFalse(Capabilities.has(0x2L, ServerCapabilities.ServerCapabilities_AcceptsStatus));
  }
}
