package dev.opamp.gateway.packages;

import dev.opamp.gateway.fleet.proto.AgentRecord;

/** Which package set one agent should have now. Runs on the event loop: must be cheap, no cluster calls. */
@FunctionalInterface
public interface PackageChoice {

  PackageCatalog.Resolution choose(String agentKey, AgentRecord stored);
}
