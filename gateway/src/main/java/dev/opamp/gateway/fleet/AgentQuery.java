package dev.opamp.gateway.fleet;

import com.hazelcast.query.Predicate;
import dev.opamp.gateway.fleet.proto.AgentRecord;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A Hazelcast predicate over the agents map (key: instance uid as 32 lowercase hex digits)
 * that keeps the agents matching a selector, a connection state and a paging cursor. Every
 * part is optional; an absent part keeps everything.
 *
 * <p>It is evaluated on the members that own the entries, so its state is only a
 * {@link Selector}, a {@link Boolean} and a {@link String}. The result of a Hazelcast query
 * is unordered: to page, sort the matches by key, take the first {@code limit}, and pass the
 * last key as the next cursor.
 */
public final class AgentQuery implements Predicate<String, AgentRecord> {
  private static final long serialVersionUID = 1L;

  private final @Nullable Selector selector;
  private final @Nullable Boolean connected;
  private final @Nullable String afterKey;

  private AgentQuery(
      @Nullable Selector selector, @Nullable Boolean connected, @Nullable String afterKey) {
    // An empty selector matches everything, so dropping it saves flattening attributes.
    this.selector = selector == null || selector.isEmpty() ? null : selector;
    this.connected = connected;
    this.afterKey = afterKey;
  }

  /**
   * A query for agents that match {@code selector} (null: any), whose connection state is
   * {@code connected} (null: either), and whose key sorts after {@code afterKey} by
   * {@link String#compareTo} (null: from the start; the cursor itself is excluded).
   */
  public static AgentQuery of(
      @Nullable Selector selector, @Nullable Boolean connected, @Nullable String afterKey) {
    return new AgentQuery(selector, connected, afterKey);
  }

  @Override
  public boolean apply(Map.Entry<String, AgentRecord> entry) {
    // Cheapest tests first: the selector needs the description flattened into a map.
    if (afterKey != null && entry.getKey().compareTo(afterKey) <= 0) {
      return false;
    }
    AgentRecord record = entry.getValue();
    if (connected != null && record.getConnection().getConnected() != connected) {
      return false;
    }
    return selector == null || selector.matches(Selector.attributesOf(record.getDescription()));
  }

  @Override
  public boolean equals(Object other) {
    if (!(other instanceof AgentQuery)) {
      return false;
    }
    AgentQuery that = (AgentQuery) other;
    return Objects.equals(selector, that.selector)
        && Objects.equals(connected, that.connected)
        && Objects.equals(afterKey, that.afterKey);
  }

  @Override
  public int hashCode() {
    return Objects.hash(selector, connected, afterKey);
  }

  @Override
  public String toString() {
    return "AgentQuery{selector=" + selector + ", connected=" + connected
        + ", afterKey=" + afterKey + "}";
  }
}
