package dev.opamp.gateway.api;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.EnumValueDescriptor;
import dev.opamp.gateway.fleet.Hex;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import dev.opamp.gateway.fleet.proto.DesiredConfig;
import dev.opamp.gateway.fleet.proto.DesiredConnectionSettings;
import dev.opamp.gateway.packages.proto.DesiredPackages;
import dev.opamp.gateway.fleet.proto.Connection;
import dev.opamp.gateway.proto.AgentConfigFile;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.AvailableComponents;
import dev.opamp.gateway.proto.ComponentDetails;
import dev.opamp.gateway.proto.ComponentHealth;
import dev.opamp.gateway.proto.ConnectionSettingsStatus;
import dev.opamp.gateway.proto.ConnectionSettingsStatuses;
import dev.opamp.gateway.proto.CustomMessage;
import dev.opamp.gateway.proto.EffectiveConfig;
import dev.opamp.gateway.proto.KeyValue;
import dev.opamp.gateway.proto.PackageStatus;
import dev.opamp.gateway.proto.PackageStatusEnum;
import dev.opamp.gateway.proto.PackageStatuses;
import dev.opamp.gateway.proto.RemoteConfigStatus;
import dev.opamp.gateway.proto.RemoteConfigStatuses;
import dev.opamp.gateway.protocol.Capabilities;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.jspecify.annotations.Nullable;

/**
 * Renders a fleet {@link AgentRecord} as the JSON of the REST API.
 *
 * <p>Every key listed below is always present; a part the agent never reported is
 * {@code null}, as are empty hashes and zero timestamps. Times are ISO-8601 UTC text, hashes
 * lowercase hex, enum values their specification name without the enum prefix (e.g.
 * {@code APPLIED}, {@code Installed}), attribute values natural JSON (string, boolean,
 * number, array, object; bytes as hex; non-finite doubles as text). Maps keyed by name are
 * sorted by name so that output is stable.
 */
public final class AgentJson {
  private static final long NANOS_PER_SECOND = 1_000_000_000L;

  private AgentJson() {}

  /**
   * The agent as listed by {@code GET /api/v1/agents}: {@code instanceUid},
   * {@code identifyingAttributes}, {@code nonIdentifyingAttributes}, {@code capabilities},
   * {@code health}, {@code connection}, {@code effectiveConfigHash},
   * {@code remoteConfigStatus}, {@code desiredConfig}, {@code packageStatuses}, {@code desiredPackages}
   * ({@code {assignment, allPackagesHash, packages: {name: {version, sha256, hash}}, error, rollout,
   * rolledBack}}), {@code connectionSettingsStatus}, {@code desiredConnectionSettings},
   * {@code customCapabilities}, {@code availableComponents}, {@code firstSeen} and
   * {@code lastStatusChange}.
   */
  public static JsonObject summary(AgentRecord r) {
    JsonObject json = new JsonObject();
    json.put("instanceUid", uidText(r.getInstanceUid()));
    json.put("identifyingAttributes",
        r.hasDescription() ? attributes(r.getDescription().getIdentifyingAttributesList()) : null);
    json.put("nonIdentifyingAttributes",
        r.hasDescription()
            ? attributes(r.getDescription().getNonIdentifyingAttributesList())
            : null);
    // JsonArray wraps the list it is given; a copy keeps the result mutable for callers.
    json.put("capabilities",
        new JsonArray(new ArrayList<>(Capabilities.agentCapabilityNames(r.getCapabilities()))));
    json.put("health", r.hasHealth() ? health(r.getHealth()) : null);
    json.put("connection", r.hasConnection() ? connection(r.getConnection()) : null);
    json.put("effectiveConfigHash", hexOrNull(r.getEffectiveConfigHash()));
    json.put("remoteConfigStatus",
        r.hasRemoteConfigStatus() ? remoteConfigStatus(r.getRemoteConfigStatus()) : null);
    json.put("desiredConfig", r.hasDesiredConfig() && !r.getDesiredConfig().getName().isEmpty()
        ? desiredConfig(r.getDesiredConfig()) : null);
    json.put("packageStatuses",
        r.hasPackageStatuses() ? packageStatuses(r.getPackageStatuses()) : null);
    json.put("desiredPackages", r.hasDesiredPackages() && !r.getDesiredPackages().getAssignment().isEmpty()
        ? desiredPackages(r.getDesiredPackages()) : null);
    json.put("connectionSettingsStatus",
        r.hasConnectionSettingsStatus()
            ? connectionSettingsStatus(r.getConnectionSettingsStatus())
            : null);
    json.put("desiredConnectionSettings", r.hasDesiredConnectionSettings()
        ? desiredConnectionSettings(r.getDesiredConnectionSettings(), r.getConnectionSettingsStatus()) : null);
    json.put("customCapabilities",
        r.hasCustomCapabilities()
            ? new JsonArray(new ArrayList<>(r.getCustomCapabilities().getCapabilitiesList()))
            : null);
    json.put("availableComponents",
        r.hasAvailableComponents() ? availableComponents(r.getAvailableComponents()) : null);
    json.put("firstSeen", millisText(r.getFirstSeenUnixMs()));
    json.put("lastStatusChange", millisText(r.getLastStatusUnixMs()));
    return json;
  }

  /**
   * The agent as shown by {@code GET /api/v1/agents/{uid}}: the {@link #summary} plus
   * {@code effectiveConfig} ({@code {files: {name: {contentType, body}}}}, with
   * {@code bodyBase64} instead of {@code body} when the file is not valid UTF-8; null when
   * {@code effectiveConfig} is null), {@code lastCustomMessage}
   * ({@code {capability, type, dataBase64}}) and {@code pendingConnectionSettingsRequest}
   * ({@code {pending, csrSize}}: whether a certificate request awaits an answer and its
   * size in bytes; the request itself is never shown).
   *
   * @param effectiveConfig the body stored under the record's effective-config hash, if known
   */
  public static JsonObject full(AgentRecord r, @Nullable EffectiveConfig effectiveConfig) {
    JsonObject json = summary(r);
    json.put("effectiveConfig", effectiveConfig == null ? null : effectiveConfig(effectiveConfig));
    json.put("lastCustomMessage",
        r.hasLastCustomMessage() ? customMessage(r.getLastCustomMessage()) : null);
    boolean pending = r.hasConnectionSettingsRequest();
    json.put("pendingConnectionSettingsRequest",
        new JsonObject()
            .put("pending", pending)
            .put("csrSize",
                r.getConnectionSettingsRequest().getOpamp().getCertificateRequest().getCsr()
                    .size()));
    return json;
  }

  private static JsonObject health(ComponentHealth h) {
    JsonObject components = new JsonObject();
    new TreeMap<>(h.getComponentHealthMapMap())
        .forEach((name, component) -> components.put(name, health(component)));
    return new JsonObject()
        .put("healthy", h.getHealthy())
        .put("status", h.getStatus())
        .put("lastError", h.getLastError())
        .put("startTime", nanosText(h.getStartTimeUnixNano()))
        .put("statusTime", nanosText(h.getStatusTimeUnixNano()))
        .put("components", components)
        .put("attributes", attributes(h.getAttributesList()));
  }

  private static JsonObject connection(Connection c) {
    return new JsonObject()
        .put("node", c.getNode())
        .put("transport", c.getTransport())
        .put("connected", c.getConnected())
        .put("since", millisText(c.getSinceUnixMs()))
        .put("remoteAddress", c.getRemoteAddress());
  }

  private static JsonObject desiredConfig(DesiredConfig d) {
    return new JsonObject()
        .put("name", d.getName())
        .put("version", d.getVersion())
        .put("hash", d.getHash().isEmpty() ? null : Hex.hex(d.getHash()))
        .put("error", d.getError().isEmpty() ? null : d.getError())
        .put("rollout", d.getRollout().isEmpty() ? null : d.getRollout())
        .put("rolledBackFrom", d.getRolledBackFrom() == 0 ? null : d.getRolledBackFrom())
        .put("override", d.getOverride());
  }

  /**
   * What connection settings the gateway offers the agent and whether the agent applied them:
   * {@code applied} is true when its reported status is APPLIED for the offered hash.
   */
  private static JsonObject desiredConnectionSettings(DesiredConnectionSettings d, ConnectionSettingsStatus status) {
    boolean offered = !d.getHash().isEmpty();
    return new JsonObject()
        .put("definition", d.getDefinition().isEmpty() ? null : d.getDefinition())
        .put("hash", offered ? Hex.hex(d.getHash()) : null)
        .put("parts", new JsonArray(new ArrayList<>(d.getPartsList())))
        .put("certificateSerial", d.getCertificateSerial().isEmpty() ? null : d.getCertificateSerial())
        .put("certificateRequest", d.getCertificateRequest().isEmpty() ? null : d.getCertificateRequest())
        .put("certificateRequestReason",
            d.getCertificateRequestReason().isEmpty() ? null : d.getCertificateRequestReason())
        .put("rollout", d.getRollout().isEmpty() ? null : d.getRollout())
        .put("rolledBack", d.getRolledBack())
        .put("applied", offered && d.getHash().equals(status.getLastConnectionSettingsHash())
            && status.getStatus() == ConnectionSettingsStatuses.ConnectionSettingsStatuses_APPLIED);
  }

  private static JsonObject desiredPackages(DesiredPackages d) {
    JsonObject packages = new JsonObject();
    new TreeMap<>(d.getPackagesMap()).forEach((name, p) -> packages.put(name, new JsonObject()
        .put("version", p.getVersion())
        .put("sha256", Hex.hex(p.getFileHash()))
        .put("hash", Hex.hex(p.getHash()))));
    return new JsonObject()
        .put("assignment", d.getAssignment())
        .put("allPackagesHash", hexOrNull(d.getAllPackagesHash()))
        .put("packages", packages)
        .put("error", d.getError().isEmpty() ? null : d.getError())
        .put("rollout", d.getRollout().isEmpty() ? null : d.getRollout())
        .put("rolledBack", d.getRolledBack());
  }

  private static JsonObject remoteConfigStatus(RemoteConfigStatus s) {
    return new JsonObject()
        .put("lastRemoteConfigHash", hexOrNull(s.getLastRemoteConfigHash()))
        .put("status", enumName(RemoteConfigStatuses.getDescriptor(), s.getStatusValue()))
        .put("errorMessage", s.getErrorMessage());
  }

  private static JsonObject connectionSettingsStatus(ConnectionSettingsStatus s) {
    return new JsonObject()
        .put("lastConnectionSettingsHash", hexOrNull(s.getLastConnectionSettingsHash()))
        .put("status", enumName(ConnectionSettingsStatuses.getDescriptor(), s.getStatusValue()))
        .put("errorMessage", s.getErrorMessage());
  }

  private static JsonObject packageStatuses(PackageStatuses s) {
    JsonObject packages = new JsonObject();
    new TreeMap<>(s.getPackagesMap()).forEach((name, p) -> packages.put(name, packageStatus(p)));
    return new JsonObject()
        .put("serverProvidedAllPackagesHash", hexOrNull(s.getServerProvidedAllPackagesHash()))
        .put("errorMessage", s.getErrorMessage())
        .put("packages", packages);
  }

  private static JsonObject packageStatus(PackageStatus p) {
    boolean downloading = p.hasDownloadDetails();
    return new JsonObject()
        .put("agentHasVersion", p.getAgentHasVersion())
        .put("agentHasHash", hexOrNull(p.getAgentHasHash()))
        .put("serverOfferedVersion", p.getServerOfferedVersion())
        .put("serverOfferedHash", hexOrNull(p.getServerOfferedHash()))
        .put("status", enumName(PackageStatusEnum.getDescriptor(), p.getStatusValue()))
        .put("errorMessage", p.getErrorMessage())
        .put("downloadPercent",
            downloading ? finiteOrText(p.getDownloadDetails().getDownloadPercent()) : null)
        .put("downloadBytesPerSecond",
            downloading
                ? finiteOrText(p.getDownloadDetails().getDownloadBytesPerSecond())
                : null);
  }

  private static JsonObject availableComponents(AvailableComponents a) {
    return new JsonObject()
        .put("hash", hexOrNull(a.getHash()))
        .put("components", components(a.getComponentsMap()));
  }

  private static JsonObject components(Map<String, ComponentDetails> byName) {
    JsonObject json = new JsonObject();
    new TreeMap<>(byName).forEach((name, details) -> json.put(name, new JsonObject()
        .put("metadata", attributes(details.getMetadataList()))
        .put("components", components(details.getSubComponentMapMap()))));
    return json;
  }

  private static JsonObject effectiveConfig(EffectiveConfig config) {
    JsonObject files = new JsonObject();
    new TreeMap<>(config.getConfigMap().getConfigMapMap()).forEach((name, file) -> {
      JsonObject json = new JsonObject().put("contentType", file.getContentType());
      putBody(json, file);
      files.put(name, json);
    });
    return new JsonObject().put("files", files);
  }

  private static void putBody(JsonObject json, AgentConfigFile file) {
    // Config files are nearly always text; binary ones still reach the operator intact.
    if (file.getBody().isValidUtf8()) {
      json.put("body", file.getBody().toStringUtf8());
    } else {
      json.put("bodyBase64", Base64.getEncoder().encodeToString(file.getBody().toByteArray()));
    }
  }

  private static JsonObject customMessage(CustomMessage m) {
    return new JsonObject()
        .put("capability", m.getCapability())
        .put("type", m.getType())
        .put("dataBase64", Base64.getEncoder().encodeToString(m.getData().toByteArray()));
  }

  private static JsonObject attributes(List<KeyValue> keyValues) {
    JsonObject json = new JsonObject();
    for (KeyValue kv : keyValues) {
      json.put(kv.getKey(), value(kv.getValue()));
    }
    return json;
  }

  private static @Nullable Object value(AnyValue v) {
    switch (v.getValueCase()) {
      case STRING_VALUE:
        return v.getStringValue();
      case BOOL_VALUE:
        return v.getBoolValue();
      case INT_VALUE:
        return v.getIntValue();
      case DOUBLE_VALUE:
        return finiteOrText(v.getDoubleValue());
      case BYTES_VALUE:
        return Hex.hex(v.getBytesValue());
      case ARRAY_VALUE:
        JsonArray array = new JsonArray();
        v.getArrayValue().getValuesList().forEach(item -> array.add(value(item)));
        return array;
      case KVLIST_VALUE:
        return attributes(v.getKvlistValue().getValuesList());
      default:
        return null;
    }
  }

  /** JSON has no NaN or infinities; those become their Java text. */
  private static Object finiteOrText(double d) {
    return Double.isFinite(d) ? (Object) d : Double.toString(d);
  }

  /** The name of an enum value without its "EnumName_" prefix, or Unknown(n). */
  private static String enumName(EnumDescriptor descriptor, int number) {
    EnumValueDescriptor value = descriptor.findValueByNumber(number);
    if (value == null) {
      return "Unknown(" + number + ")";
    }
    String prefix = descriptor.getName() + "_";
    String name = value.getName();
    return name.startsWith(prefix) ? name.substring(prefix.length()) : name;
  }

  /** A 16-byte uid as a canonical UUID; anything else (malformed) as plain hex. */
  private static @Nullable String uidText(ByteString uid) {
    if (uid.size() == 16) {
      ByteBuffer buffer = uid.asReadOnlyByteBuffer();
      return new UUID(buffer.getLong(), buffer.getLong()).toString();
    }
    return hexOrNull(uid);
  }

  private static @Nullable String hexOrNull(ByteString bytes) {
    return bytes.isEmpty() ? null : Hex.hex(bytes);
  }

  private static @Nullable String millisText(long unixMillis) {
    return unixMillis == 0 ? null : Instant.ofEpochMilli(unixMillis).toString();
  }

  /** Reads the OpAMP fixed64 nanosecond times as unsigned. */
  private static @Nullable String nanosText(long unixNanos) {
    if (unixNanos == 0) {
      return null;
    }
    return Instant.ofEpochSecond(
            Long.divideUnsigned(unixNanos, NANOS_PER_SECOND),
            Long.remainderUnsigned(unixNanos, NANOS_PER_SECOND))
        .toString();
  }
}
