package dev.opamp.gateway.protocol;

import dev.opamp.gateway.proto.ServerCapabilities;

/**
 * The capabilities this server really has, as sent in every ServerToAgent. A bit is added here
 * only when the feature behind it works end to end; undefined bits stay 0.
 */
public final class ServerCapabilitySet {

  private ServerCapabilitySet() {}

  /**
   * Status reports, effective configs and package statuses are stored and shown; remote configs
   * are offered to agents that accept them; so are packages, with downloads served by the gateway,
   * and connection settings (with certificates the gateway CA signs from agents' CSRs).
   */
  public static final long CURRENT =
      ServerCapabilities.ServerCapabilities_AcceptsStatus_VALUE
          | ServerCapabilities.ServerCapabilities_OffersRemoteConfig_VALUE
          | ServerCapabilities.ServerCapabilities_AcceptsEffectiveConfig_VALUE
          | ServerCapabilities.ServerCapabilities_AcceptsPackagesStatus_VALUE
          | ServerCapabilities.ServerCapabilities_OffersPackages_VALUE
          | ServerCapabilities.ServerCapabilities_OffersConnectionSettings_VALUE
          | ServerCapabilities.ServerCapabilities_AcceptsConnectionSettingsRequest_VALUE;
}
