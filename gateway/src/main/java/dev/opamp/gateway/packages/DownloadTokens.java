package dev.opamp.gateway.packages;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Download URLs only the offered agent can use: an HMAC-SHA256, under a secret every node of the
 * cluster shares, over the agent's key, the file's hash and an expiry. Any node verifies a token
 * any other node made, and a token for one agent or file is worthless for another. An HMAC over a
 * hundred bytes costs about a microsecond, so tokens are made and checked on the event loop.
 */
public final class DownloadTokens {

  /** Durable, so that URLs already offered stay valid across a restart of the whole cluster. */
  public static final String SECRET_MAP = "desired-package-url-secret";
  private static final String ALGORITHM = "HmacSHA256";

  private final SecretKeySpec key;

  DownloadTokens(byte[] secret) {
    this.key = new SecretKeySpec(secret, ALGORITHM);
  }

  /** Blocking: the cluster's secret, made by the first node that needs it. */
  public static DownloadTokens fromCluster(HazelcastInstance hazelcast) {
    IMap<String, byte[]> secrets = hazelcast.getMap(SECRET_MAP);
    byte[] fresh = new byte[32];
    new SecureRandom().nextBytes(fresh);
    byte[] existing = secrets.putIfAbsent("hmac-sha256", fresh);
    return new DownloadTokens(existing != null ? existing : fresh);
  }

  /** The token for {@code agentKey} to fetch file {@code hex} until {@code expiresUnixSeconds}. */
  public String sign(String agentKey, String hex, long expiresUnixSeconds) {
    return Base64.getUrlEncoder().withoutPadding().encodeToString(mac(agentKey, hex, expiresUnixSeconds));
  }

  /** Whether {@code token} was made by {@link #sign} for exactly these values and has not expired. */
  public boolean valid(String agentKey, String hex, long expiresUnixSeconds, String token, long nowUnixSeconds) {
    if (agentKey == null || token == null || expiresUnixSeconds < nowUnixSeconds) {
      return false;
    }
    byte[] given;
    try {
      given = Base64.getUrlDecoder().decode(token);
    } catch (IllegalArgumentException e) {
      return false;
    }
    return MessageDigest.isEqual(mac(agentKey, hex, expiresUnixSeconds), given);
  }

  private byte[] mac(String agentKey, String hex, long expires) {
    try {
      Mac mac = Mac.getInstance(ALGORITHM);
      mac.init(key);
      return mac.doFinal((agentKey + '\n' + hex + '\n' + expires).getBytes(StandardCharsets.UTF_8));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("HmacSHA256 is part of every JDK", e);
    }
  }
}
