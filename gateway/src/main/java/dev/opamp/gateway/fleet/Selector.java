package dev.opamp.gateway.fleet;

import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.KeyValue;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeSet;
import org.jspecify.annotations.Nullable;

/**
 * An immutable label selector over an agent's attributes, in the grammar of the REST API.
 *
 * <p>A selector is a comma-separated list of requirements, all of which must hold:
 *
 * <ul>
 *   <li>{@code key=value} or {@code key==value}: the key is present with that value;
 *   <li>{@code key!=value}: the key is absent or has another value;
 *   <li>{@code key in (v1,v2)}: the key is present with one of the values;
 *   <li>{@code key notin (v1,v2)}: the key is absent or has none of the values;
 *   <li>{@code key}: the key is present; {@code !key}: the key is absent.
 * </ul>
 *
 * <p>Whitespace is allowed around every token. Keys consist of letters, digits and
 * {@code . _ - /}; bare values additionally of {@code : @}. Anything else (an empty value,
 * spaces, commas, ...) is written in double quotes, with {@code \"} and {@code \\} as
 * escapes; keys may be quoted the same way. An empty or blank selector matches everything.
 *
 * <p>Instances are {@link Serializable} because they travel to Hazelcast members inside
 * query predicates; their state is plain strings and an enum.
 */
public final class Selector implements Serializable {
  private static final long serialVersionUID = 1L;

  private static final Selector EVERYTHING = new Selector(new Requirement[0]);

  /** Sorted and free of duplicates, so that equal selectors have equal text. */
  private final Requirement[] requirements;

  private Selector(Requirement[] requirements) {
    this.requirements = requirements;
  }

  /**
   * Parses selector text.
   *
   * @throws IllegalArgumentException naming the (1-based) position and the offending token
   *     when the text does not follow the grammar
   */
  public static Selector parse(String text) {
    List<Requirement> parsed = new Parser(text).parse();
    if (parsed.isEmpty()) {
      return EVERYTHING;
    }
    TreeSet<Requirement> canonical = new TreeSet<>(parsed);
    return new Selector(canonical.toArray(new Requirement[0]));
  }

  /** The selector that matches every agent (the empty selector). */
  public static Selector everything() {
    return EVERYTHING;
  }

  /** Whether this selector has no requirements and so matches everything. */
  public boolean isEmpty() {
    return requirements.length == 0;
  }

  /** Whether every requirement holds for the given attributes. */
  public boolean matches(Map<String, String> attributes) {
    for (Requirement requirement : requirements) {
      if (!requirement.matches(attributes.get(requirement.key))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Flattens an agent description into one attribute map, the one selectors match against.
   * An identifying attribute wins over a non-identifying one with the same key. Values are
   * rendered as text: a string as is, booleans and numbers as Java prints them, bytes as
   * lowercase hex, arrays and key-value lists as compact JSON, an unset value as "".
   */
  public static Map<String, String> attributesOf(@Nullable AgentDescription description) {
    if (description == null) {
      return Collections.emptyMap();
    }
    int size =
        description.getIdentifyingAttributesCount()
            + description.getNonIdentifyingAttributesCount();
    Map<String, String> attributes = new HashMap<>(Math.max(4, size * 2));
    for (KeyValue kv : description.getNonIdentifyingAttributesList()) {
      attributes.put(kv.getKey(), AnyValueText.of(kv.getValue()));
    }
    // Identifying attributes go last so that they overwrite on a clash.
    for (KeyValue kv : description.getIdentifyingAttributesList()) {
      attributes.put(kv.getKey(), AnyValueText.of(kv.getValue()));
    }
    return Collections.unmodifiableMap(attributes);
  }

  /**
   * The canonical text: requirements sorted by key (then operator and values), set values
   * sorted and de-duplicated, {@code ==} written as {@code =}, no optional whitespace, and
   * quotes only where needed. Parsing it gives an equal selector; the empty selector is "".
   */
  @Override
  public String toString() {
    StringBuilder out = new StringBuilder();
    for (Requirement requirement : requirements) {
      if (out.length() > 0) {
        out.append(',');
      }
      requirement.appendTo(out);
    }
    return out.toString();
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof Selector
        && Arrays.equals(requirements, ((Selector) other).requirements);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(requirements);
  }

  /** The kinds of requirement, in the order the canonical text lists them for one key. */
  private enum Operator {
    EXISTS,
    NOT_EXISTS,
    EQUALS,
    NOT_EQUALS,
    IN,
    NOT_IN
  }

  /** One requirement on one key. */
  private static final class Requirement implements Serializable, Comparable<Requirement> {
    private static final long serialVersionUID = 1L;

    private final String key;
    private final Operator operator;
    /** One value for (not) equals, a sorted set of at least one for (not) in, else none. */
    private final String[] values;

    Requirement(String key, Operator operator, String[] values) {
      this.key = key;
      this.operator = operator;
      this.values = values;
    }

    boolean matches(@Nullable String actual) {
      switch (operator) {
        case EXISTS:
          return actual != null;
        case NOT_EXISTS:
          return actual == null;
        case EQUALS:
        case IN:
          return actual != null && contains(actual);
        case NOT_EQUALS:
        case NOT_IN:
          // As in Kubernetes: an agent without the key satisfies a negative requirement.
          return actual == null || !contains(actual);
        default:
          throw new AssertionError(operator);
      }
    }

    private boolean contains(String actual) {
      for (String value : values) {
        if (value.equals(actual)) {
          return true;
        }
      }
      return false;
    }

    void appendTo(StringBuilder out) {
      if (operator == Operator.NOT_EXISTS) {
        out.append('!');
      }
      appendToken(out, key, false);
      switch (operator) {
        case EQUALS:
          appendToken(out.append('='), values[0], true);
          break;
        case NOT_EQUALS:
          appendToken(out.append("!="), values[0], true);
          break;
        case IN:
        case NOT_IN:
          out.append(operator == Operator.IN ? " in (" : " notin (");
          for (int i = 0; i < values.length; i++) {
            appendToken(i == 0 ? out : out.append(','), values[i], true);
          }
          out.append(')');
          break;
        default:
          break;
      }
    }

    private static void appendToken(StringBuilder out, String token, boolean isValue) {
      boolean bare = !token.isEmpty();
      for (int i = 0; i < token.length() && bare; i++) {
        char c = token.charAt(i);
        bare = isValue ? Parser.isValueChar(c) : Parser.isKeyChar(c);
      }
      if (bare) {
        out.append(token);
        return;
      }
      out.append('"');
      for (int i = 0; i < token.length(); i++) {
        char c = token.charAt(i);
        if (c == '"' || c == '\\') {
          out.append('\\');
        }
        out.append(c);
      }
      out.append('"');
    }

    @Override
    public int compareTo(Requirement other) {
      int byKey = key.compareTo(other.key);
      if (byKey != 0) {
        return byKey;
      }
      int byOperator = operator.compareTo(other.operator);
      return byOperator != 0 ? byOperator : Arrays.compare(values, other.values);
    }

    @Override
    public boolean equals(Object other) {
      return other instanceof Requirement && compareTo((Requirement) other) == 0;
    }

    @Override
    public int hashCode() {
      return Objects.hash(key, operator, Arrays.hashCode(values));
    }
  }

  /** A recursive-descent parser over the characters of one selector text. */
  private static final class Parser {
    private final String text;
    private int pos;

    Parser(String text) {
      this.text = Objects.requireNonNull(text, "selector text");
    }

    static boolean isKeyChar(char c) {
      return Character.isLetterOrDigit(c) || c == '.' || c == '_' || c == '-' || c == '/';
    }

    static boolean isValueChar(char c) {
      return isKeyChar(c) || c == ':' || c == '@';
    }

    List<Requirement> parse() {
      List<Requirement> result = new ArrayList<>();
      skipSpace();
      if (atEnd()) {
        return result;
      }
      while (true) {
        result.add(requirement());
        skipSpace();
        if (atEnd()) {
          return result;
        }
        if (peek() != ',') {
          throw error("expected ',' or the end of the selector");
        }
        pos++;
        skipSpace();
      }
    }

    private Requirement requirement() {
      if (!atEnd() && peek() == '!') {
        pos++;
        skipSpace();
        return new Requirement(key(), Operator.NOT_EXISTS, new String[0]);
      }
      String key = key();
      skipSpace();
      if (atEnd() || peek() == ',') {
        return new Requirement(key, Operator.EXISTS, new String[0]);
      }
      if (peek() == '=') {
        pos++;
        if (!atEnd() && peek() == '=') {
          pos++;
        }
        return new Requirement(key, Operator.EQUALS, new String[] {singleValue()});
      }
      if (peek() == '!') {
        pos++;
        if (atEnd() || peek() != '=') {
          throw error("expected '=' after '!' in the requirement on '" + key + "'");
        }
        pos++;
        return new Requirement(key, Operator.NOT_EQUALS, new String[] {singleValue()});
      }
      int wordStart = pos;
      while (!atEnd() && Character.isLetter(peek())) {
        pos++;
      }
      String word = text.substring(wordStart, pos);
      Operator operator =
          word.equals("in") ? Operator.IN : word.equals("notin") ? Operator.NOT_IN : null;
      if (operator == null) {
        pos = wordStart;
        throw error("expected '=', '==', '!=', 'in', 'notin', ',' or the end after key '"
            + key + "'");
      }
      return new Requirement(key, operator, valueSet());
    }

    private String singleValue() {
      skipSpace();
      if (atEnd() || !(isValueChar(peek()) || peek() == '"')) {
        throw error("expected a value");
      }
      return peek() == '"' ? quoted() : bare(true);
    }

    private String[] valueSet() {
      skipSpace();
      if (atEnd() || peek() != '(') {
        throw error("expected '(' to open the value list");
      }
      pos++;
      TreeSet<String> values = new TreeSet<>();
      while (true) {
        values.add(singleValue());
        skipSpace();
        if (!atEnd() && peek() == ')') {
          pos++;
          return values.toArray(new String[0]);
        }
        if (atEnd() || peek() != ',') {
          throw error("expected ',' or ')' in the value list");
        }
        pos++;
      }
    }

    private String key() {
      if (!atEnd() && peek() == '"') {
        return quoted();
      }
      if (atEnd() || !isKeyChar(peek())) {
        throw error("expected a key");
      }
      return bare(false);
    }

    private String bare(boolean isValue) {
      int start = pos;
      while (!atEnd() && (isValue ? isValueChar(peek()) : isKeyChar(peek()))) {
        pos++;
      }
      return text.substring(start, pos);
    }

    private String quoted() {
      int start = pos;
      pos++; // the opening quote
      StringBuilder value = new StringBuilder();
      while (!atEnd()) {
        char c = text.charAt(pos++);
        if (c == '"') {
          return value.toString();
        }
        if (c == '\\') {
          if (atEnd()) {
            break;
          }
          c = text.charAt(pos++);
        }
        value.append(c);
      }
      pos = start;
      throw error("unterminated quoted string");
    }

    private boolean atEnd() {
      return pos >= text.length();
    }

    private char peek() {
      return text.charAt(pos);
    }

    private void skipSpace() {
      while (!atEnd() && Character.isWhitespace(peek())) {
        pos++;
      }
    }

    private IllegalArgumentException error(String expectation) {
      String found = atEnd() ? "the end of the selector" : "'" + token() + "'";
      return new IllegalArgumentException(
          "invalid selector \"" + text + "\": " + expectation + " at position " + (pos + 1)
              + ", found " + found);
    }

    /** The token that starts at the current position, for error messages. */
    private String token() {
      int end = pos + 1;
      if (isValueChar(peek())) {
        while (end < text.length() && isValueChar(text.charAt(end))) {
          end++;
        }
      }
      return text.substring(pos, end);
    }
  }
}
