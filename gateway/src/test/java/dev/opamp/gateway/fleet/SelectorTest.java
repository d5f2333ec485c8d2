package dev.opamp.gateway.fleet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.protobuf.ByteString;
import dev.opamp.gateway.proto.AgentDescription;
import dev.opamp.gateway.proto.AnyValue;
import dev.opamp.gateway.proto.ArrayValue;
import dev.opamp.gateway.proto.KeyValue;
import dev.opamp.gateway.proto.KeyValueList;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class SelectorTest {
  private static final Map<String, String> PROD_API =
      Map.of("service.name", "api", "env", "prod", "host.name", "web-1");

  private static boolean matches(String selector, Map<String, String> attributes) {
    return Selector.parse(selector).matches(attributes);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "   ", "\t\n"})
  void blankSelectorMatchesEverything(String text) {
    Selector selector = Selector.parse(text);
    assertTrue(selector.isEmpty());
    assertTrue(selector.matches(Map.of()));
    assertTrue(selector.matches(PROD_API));
    assertEquals("", selector.toString());
    assertEquals(Selector.everything(), selector);
  }

  @Test
  void equalityNeedsThePresentKeyWithThatValue() {
    assertTrue(matches("env=prod", PROD_API));
    assertTrue(matches("env==prod", PROD_API));
    assertFalse(matches("env=dev", PROD_API));
    assertFalse(matches("region=eu", PROD_API));
  }

  @Test
  void inequalityHoldsWhenTheKeyIsAbsent() {
    assertTrue(matches("env!=dev", PROD_API));
    assertFalse(matches("env!=prod", PROD_API));
    assertTrue(matches("region!=eu", PROD_API));
  }

  @Test
  void setMembership() {
    assertTrue(matches("service.name in (api,web)", PROD_API));
    assertFalse(matches("service.name in (web)", PROD_API));
    assertFalse(matches("region in (eu)", PROD_API));
    assertFalse(matches("service.name notin (api,web)", PROD_API));
    assertTrue(matches("service.name notin (web)", PROD_API));
    assertTrue(matches("region notin (eu)", PROD_API));
  }

  @Test
  void existence() {
    assertTrue(matches("env", PROD_API));
    assertFalse(matches("region", PROD_API));
    assertTrue(matches("!region", PROD_API));
    assertFalse(matches("!env", PROD_API));
  }

  @Test
  void everyRequirementMustHold() {
    assertTrue(matches("service.name in (a,api), env=prod, !region", PROD_API));
    assertFalse(matches("service.name in (a,api), env=dev", PROD_API));
  }

  @Test
  void whitespaceAroundTokensIsIgnored() {
    assertEquals(Selector.parse("a=b,c!=d,e in (f,g),h notin (i),j,!k"),
        Selector.parse("  a = b ,c != d,  e in(f , g ) , h   notin ( i ),j , ! k  "));
  }

  @Test
  void keysAndValuesTakeTheirCharacterSets() {
    Map<String, String> attributes =
        Map.of("k8s.io/app_name-x", "user@host:8080/path_v1.2-rc", "in", "notin");
    assertTrue(matches("k8s.io/app_name-x=user@host:8080/path_v1.2-rc", attributes));
    // Operator words are only special where an operator is expected.
    assertTrue(matches("in=notin", attributes));
    assertTrue(matches("in in (in, notin)", attributes));
  }

  @Test
  void quotedValuesHoldAnything() {
    Map<String, String> attributes = Map.of("os.description", "Ubuntu 22.04, \"jammy\" \\ x",
        "empty", "");
    assertTrue(matches("os.description=\"Ubuntu 22.04, \\\"jammy\\\" \\\\ x\"", attributes));
    assertTrue(matches("empty=\"\"", attributes));
    assertTrue(matches("empty in (\"\", x)", attributes));
    assertTrue(matches("\"os.description\"", attributes));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "env = prod                      | env=prod",
      "env==prod                       | env=prod",
      "z=1, a in (c, b, c), a          | a,a in (b,c),z=1",
      "b!=x,!a,a notin (y)             | !a,a notin (y),b!=x",
      "env=prod,env=prod               | env=prod",
      "k=\"needs space\"               | k=\"needs space\"",
      "k=\"plain\"                     | k=plain",
      "k=\"\"                          | k=\"\"",
      "\"a b\" in (\"x,y\", \"q\\\"\") | \"a b\" in (\"q\\\"\",\"x,y\")",
  })
  void canonicalText(String text, String canonical) {
    Selector selector = Selector.parse(text);
    assertEquals(canonical, selector.toString());
    assertEquals(selector, Selector.parse(selector.toString()));
    assertEquals(selector.hashCode(), Selector.parse(canonical).hashCode());
  }

  @Test
  void differentSelectorsAreNotEqual() {
    assertNotEquals(Selector.parse("a=b"), Selector.parse("a!=b"));
    assertNotEquals(Selector.parse("a in (b)"), Selector.parse("a in (b,c)"));
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', quoteCharacter = '~', value = {
      "env=                 | expected a value at position 5, found the end",
      "env=prod,            | expected a key at position 10, found the end",
      ",env                 | expected a key at position 1, found ','",
      "env=prod,,x          | expected a key at position 10, found ','",
      "env prod             | after key 'env' at position 5, found 'prod'",
      "env in a,b           | expected '(' to open the value list at position 8, found 'a'",
      "env in ()            | expected a value at position 9, found ')'",
      "env in (a,)          | expected a value at position 11, found ')'",
      "env in (a b)         | expected ',' or ')' in the value list at position 11, found 'b'",
      "env in (a            | expected ',' or ')' in the value list at position 10, found the end",
      "env=a b              | expected ',' or the end of the selector at position 7, found 'b'",
      "env!prod             | expected '=' after '!'",
      "env=a=b              | at position 6, found '='",
      "!env=a               | at position 5, found '='",
      "env=\"open           | unterminated quoted string at position 5",
      "env=prod;x           | at position 9, found ';'",
      "en$v                 | at position 3, found '$'",
  })
  void rejectsBadInputNamingPositionAndToken(String text, String expected) {
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> Selector.parse(text));
    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains(text), e.getMessage());
  }

  @Test
  void survivesJavaSerialization() throws Exception {
    Selector selector = Selector.parse("service.name in (a,api), env=prod, !region, x!=\"a b\"");
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(selector);
    }
    Object copy;
    try (ObjectInputStream in =
        new ObjectInputStream(new ByteArrayInputStream(bytes.toByteArray()))) {
      copy = in.readObject();
    }
    assertEquals(selector, copy);
    assertEquals(selector.toString(), copy.toString());
    assertTrue(((Selector) copy).matches(PROD_API));
  }

  @Test
  void attributesOfFlattensWithIdentifyingWinning() {
    AgentDescription description = AgentDescription.newBuilder()
        .addIdentifyingAttributes(kv("service.name", str("api")))
        .addIdentifyingAttributes(kv("env", str("prod")))
        .addNonIdentifyingAttributes(kv("env", str("ignored")))
        .addNonIdentifyingAttributes(kv("host.name", str("web-1")))
        .build();
    assertEquals(Map.of("service.name", "api", "env", "prod", "host.name", "web-1"),
        Selector.attributesOf(description));
    assertEquals(Map.of(), Selector.attributesOf(null));
    assertEquals(Map.of(), Selector.attributesOf(AgentDescription.getDefaultInstance()));
  }

  @Test
  void attributesOfRendersValuesAsText() {
    AnyValue array = AnyValue.newBuilder().setArrayValue(ArrayValue.newBuilder()
        .addValues(str("a\"b"))
        .addValues(AnyValue.newBuilder().setIntValue(1))
        .addValues(AnyValue.newBuilder().setDoubleValue(Double.NaN))
        .addValues(AnyValue.newBuilder().setBytesValue(ByteString.copyFrom(new byte[] {1})))
        .addValues(AnyValue.getDefaultInstance()))
        .build();
    AnyValue kvlist = AnyValue.newBuilder().setKvlistValue(KeyValueList.newBuilder()
        .addValues(kv("x", AnyValue.newBuilder().setBoolValue(true).build()))
        .addValues(kv("y", array)))
        .build();
    AgentDescription description = AgentDescription.newBuilder()
        .addNonIdentifyingAttributes(kv("bool", AnyValue.newBuilder().setBoolValue(false).build()))
        .addNonIdentifyingAttributes(kv("int", AnyValue.newBuilder().setIntValue(-42).build()))
        .addNonIdentifyingAttributes(
            kv("double", AnyValue.newBuilder().setDoubleValue(1.5).build()))
        .addNonIdentifyingAttributes(kv("bytes", AnyValue.newBuilder()
            .setBytesValue(ByteString.copyFrom(new byte[] {(byte) 0xde, (byte) 0xad})).build()))
        .addNonIdentifyingAttributes(kv("unset", AnyValue.getDefaultInstance()))
        .addNonIdentifyingAttributes(kv("kvlist", kvlist))
        .build();
    Map<String, String> attributes = Selector.attributesOf(description);
    assertEquals("false", attributes.get("bool"));
    assertEquals("-42", attributes.get("int"));
    assertEquals("1.5", attributes.get("double"));
    assertEquals("dead", attributes.get("bytes"));
    assertEquals("", attributes.get("unset"));
    assertEquals("{\"x\":true,\"y\":[\"a\\\"b\",1,\"NaN\",\"01\",null]}",
        attributes.get("kvlist"));
    assertTrue(Selector.parse("int=-42, bool=false, double in (1.5), unset").matches(attributes));
  }

  private static KeyValue kv(String key, AnyValue value) {
    return KeyValue.newBuilder().setKey(key).setValue(value).build();
  }

  private static AnyValue str(String s) {
    return AnyValue.newBuilder().setStringValue(s).build();
  }
}
