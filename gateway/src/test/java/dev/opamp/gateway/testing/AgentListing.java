package dev.opamp.gateway.testing;

import dev.opamp.gateway.protocol.InstanceUids;
import io.vertx.core.json.JsonObject;
import java.util.LinkedHashMap;
import java.util.Map;

/** Reading {@code GET /api/v1/agents} answers in tests. */
public final class AgentListing {

  /** The path that lists up to 1000 agents, enough for any test fleet. */
  public static final String ALL = "/api/v1/agents?limit=1000";

  private AgentListing() {}

  /**
   * The agents of one page by uid key (32 lower-case hex digits, as {@link Messages#key} gives),
   * whatever form {@code instanceUid} has in the JSON (UUID text for 16-byte uids).
   */
  public static Map<String, JsonObject> byKey(JsonObject page) {
    Map<String, JsonObject> agents = new LinkedHashMap<>();
    for (Object o : page.getJsonArray("agents")) {
      JsonObject agent = (JsonObject) o;
      String text = agent.getString("instanceUid");
      String key = text == null ? null : InstanceUids.keyFromText(text);
      agents.put(key != null ? key : text, agent);
    }
    return agents;
  }

  /** The {@code connection.node} of an agent summary, or null. */
  public static String node(JsonObject agent) {
    JsonObject connection = agent.getJsonObject("connection");
    return connection == null ? null : connection.getString("node");
  }

  /** The {@code connection.connected} of an agent summary, or null. */
  public static Boolean connected(JsonObject agent) {
    JsonObject connection = agent.getJsonObject("connection");
    return connection == null ? null : connection.getBoolean("connected");
  }
}
