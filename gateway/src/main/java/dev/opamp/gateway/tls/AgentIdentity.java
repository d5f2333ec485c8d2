package dev.opamp.gateway.tls;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How an agent certificate names the agent it was issued to: a URI subject alternative name
 * {@code urn:opamp:agent:<fleet key>}, the fleet key being the instance uid's 32 lowercase hex
 * digits. The gateway CA writes it when it signs; mTLS reads it to bind a connection to the
 * instance uid the agent claims.
 */
public final class AgentIdentity {

  public static final String URI_PREFIX = "urn:opamp:agent:";
  private static final int SAN_URI = 6;
  private static final Pattern KEY = Pattern.compile("[0-9a-f]{32}");

  private AgentIdentity() {}

  /** The URI naming the agent with this fleet key. */
  public static String uriOf(String fleetKey) {
    if (!KEY.matcher(fleetKey).matches()) {
      throw new IllegalArgumentException("not a fleet key: " + fleetKey);
    }
    return URI_PREFIX + fleetKey;
  }

  /** The fleet key a certificate was issued to; empty if it names no agent. */
  public static Optional<String> keyOf(X509Certificate certificate) {
    Collection<List<?>> names;
    try {
      names = certificate.getSubjectAlternativeNames();
    } catch (CertificateParsingException e) {
      return Optional.empty();
    }
    if (names == null) {
      return Optional.empty();
    }
    for (List<?> name : names) {
      if (name.size() == 2 && Integer.valueOf(SAN_URI).equals(name.get(0)) && name.get(1) instanceof String uri
          && uri.regionMatches(true, 0, URI_PREFIX, 0, URI_PREFIX.length())) {
        String key = uri.substring(URI_PREFIX.length()).toLowerCase(Locale.ROOT);
        if (KEY.matcher(key).matches()) {
          return Optional.of(key);
        }
      }
    }
    return Optional.empty();
  }
}
