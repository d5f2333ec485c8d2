package dev.opamp.gateway.transport;

import dev.opamp.gateway.session.AgentChannel;
import dev.opamp.gateway.session.Transport;
import io.vertx.core.Context;

/** What every agent channel knows of its connection, whatever the transport. */
abstract class AgentChannelBase implements AgentChannel {

  private final Transport transport;
  private final Context context;
  private final String remoteAddress;

  AgentChannelBase(Transport transport, Context context, String remoteAddress) {
    this.transport = transport;
    this.context = context;
    this.remoteAddress = remoteAddress;
  }

  @Override
  public final Transport transport() {
    return transport;
  }

  @Override
  public final String remoteAddress() {
    return remoteAddress;
  }

  @Override
  public final Context context() {
    return context;
  }
}
