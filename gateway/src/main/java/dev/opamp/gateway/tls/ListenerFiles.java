package dev.opamp.gateway.tls;

import java.nio.file.Path;

/**
 * Where one listener's certificate chain and key live, and the settings that named them (for
 * messages).
 *
 * @param listener {@code opamp} or {@code admin}: the {@code listener} tag of the TLS metrics
 */
public record ListenerFiles(String listener, Path cert, String certLabel, Path key, String keyLabel) {}
