package dev.opamp.gateway.transport;

import dev.opamp.gateway.session.AgentChannel;
import dev.opamp.gateway.session.Transport;
import io.vertx.core.Context;
import java.security.cert.X509Certificate;

/** What every agent channel knows of its connection, whatever the transport. */
abstract class AgentChannelBase implements AgentChannel {

  private final Transport transport;
  private final Context context;
  private final String remoteAddress;
  private X509Certificate peerCertificate;

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

  @Override
  public final X509Certificate peerCertificate() {
    return peerCertificate;
  }

  /** The verified client certificate of the peer now speaking (HTTP: each poll's own). */
  final void peerCertificate(X509Certificate certificate) {
    peerCertificate = certificate;
  }
}
