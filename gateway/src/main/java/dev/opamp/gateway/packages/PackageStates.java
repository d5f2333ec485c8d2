package dev.opamp.gateway.packages;

import dev.opamp.gateway.proto.PackageStatusEnum;

/** The {@code state} tag value of package status metrics for each PackageStatusEnum value. */
public final class PackageStates {

  private PackageStates() {}

  public static String label(PackageStatusEnum status) {
    return switch (status) {
      case PackageStatusEnum_Installed -> "installed";
      case PackageStatusEnum_InstallPending -> "install_pending";
      case PackageStatusEnum_Installing -> "installing";
      case PackageStatusEnum_InstallFailed -> "install_failed";
      case PackageStatusEnum_Downloading -> "downloading";
      default -> "unknown";
    };
  }
}
