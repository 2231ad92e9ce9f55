package io.workmate.protocol.openclaw;

import io.workmate.protocol.Excerpts;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/** The frame codec against every frame the gateway and the probe client really exchanged. */
class GatewayCodecTest {

  private final GatewayCodec codec = new GatewayCodec();

  static Stream<TranscriptFrame> transcriptFrames() {
    return TranscriptFrame.all().stream();
  }

  // ---- decoding real frames ----

  @ParameterizedTest(name = "{0}")
  @MethodSource("transcriptFrames")
  void decodesEveryTranscriptFrameToItsKind(TranscriptFrame real) throws Exception {
    GatewayFrame frame = codec.decode(real.text());
    JsonNode json = real.json();

    assertEquals(json.get("type").asText(), frame.type());
    if (frame instanceof GatewayFrame.Request request) {
      assertEquals(json.get("id").asText(), request.id());
      assertEquals(json.get("method").asText(), request.method());
      assertEquals(json.get("params"), request.params());
    } else if (frame instanceof GatewayFrame.Response response) {
      assertEquals(json.get("id").asText(), response.id());
      assertEquals(json.get("ok").asBoolean(), response.ok());
      assertEquals(json.get("payload"), response.payload());
      assertEquals(json.has("error"), response.error() != null);
    } else if (frame instanceof GatewayFrame.Event event) {
      assertEquals(json.get("event").asText(), event.event());
      assertEquals(json.get("payload"), event.payload());
      assertEquals(json.has("seq") ? json.get("seq").asLong() : null, event.seq());
      assertEquals(json.get("stateVersion"), event.stateVersion());
    }
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("transcriptFrames")
  void reEncodingEveryTranscriptFrameLosesNothing(TranscriptFrame real) throws Exception {
    String encoded = codec.encode(codec.decode(real.text()));

    assertEquals(real.json(), TranscriptFrame.parse(encoded));
  }

  @Test
  void transcriptsHoldAllKindsInBothDirections() throws Exception {
    Map<String, Integer> counts = new TreeMap<>();
    for (TranscriptFrame real : TranscriptFrame.all()) {
      counts.merge(real.dir() + ":" + codec.decode(real.text()).type(), 1, Integer::sum);
    }
    // the probe only sends requests; the gateway answers each once (no agent double answer
    // in these transcripts) and pushes events
    assertEquals(Map.of("in:event", 54, "in:res", 16, "out:req", 16), counts);
  }

  @Test
  void tellsKindsApartByType() throws Exception {
    assertInstanceOf(GatewayFrame.Event.class, codec.decode(RealFrames.CHALLENGE));
    assertInstanceOf(GatewayFrame.Request.class, codec.decode(RealFrames.CONNECT_REQUEST));
    assertInstanceOf(GatewayFrame.Response.class, codec.decode(RealFrames.BAD_TOKEN_RESPONSE));
  }

  @Test
  void challengeHasNoSeqButLaterEventsDo() throws Exception {
    GatewayFrame.Event challenge = (GatewayFrame.Event) codec.decode(RealFrames.CHALLENGE);
    GatewayFrame.Event tick = (GatewayFrame.Event) codec.decode(RealFrames.TICK);

    assertNull(challenge.seq());
    assertEquals(6L, tick.seq());
  }

  @Test
  void ignoresUnknownMembers() throws Exception {
    GatewayFrame frame = codec.decode(
        "{\"type\":\"event\",\"event\":\"tick\",\"payload\":{\"ts\":1},\"seq\":3,"
            + "\"futureMember\":{\"x\":1}}");

    assertEquals(new GatewayFrame.Event("tick", TranscriptFrame.parse("{\"ts\":1}"), 3L, null),
        frame);
  }

  @Test
  void readsJsonNullMembersAsAbsent() throws Exception {
    GatewayFrame.Response response = (GatewayFrame.Response) codec.decode(
        "{\"type\":\"res\",\"id\":\"r9\",\"ok\":true,\"payload\":null}");

    assertNull(response.payload());
    assertEquals("{\"type\":\"res\",\"id\":\"r9\",\"ok\":true}", codec.encode(response));
  }

  // ---- encoding: closed schemas ----

  @Test
  void encodedConnectRequestHasOnlyKnownMembersAndNoNulls() {
    ConnectParams params = ConnectParams.workmate("0.1.0", "linux", "secret");
    String text = codec.encode(codec.request("c1", GatewayMethods.CONNECT, params));
    JsonNode json = TranscriptFrame.parse(text);

    assertEquals(Set.of("type", "id", "method", "params"), keys(json));
    assertEquals(Set.of("minProtocol", "maxProtocol", "client", "role", "scopes", "caps", "auth"),
        keys(json.get("params")));
    assertEquals(Set.of("id", "version", "platform", "mode"),
        keys(json.get("params").get("client")));
    assertEquals(Set.of("token"), keys(json.get("params").get("auth")));
    assertTrue(json.get("id").isTextual());
    assertEquals(List.of(), nullPaths(json, "$"));
  }

  @Test
  void encodedErrorResponseCarriesOnlyTheErrorShape() {
    GatewayError error = new GatewayError("INVALID_REQUEST", "unknown method: no.such.method");
    JsonNode json =
        TranscriptFrame.parse(codec.encode(GatewayFrame.Response.failure("r3", error)));

    assertEquals(Set.of("type", "id", "ok", "error"), keys(json));
    // no "authFailure"/"retryable" from the helper methods, no null details
    assertEquals(Set.of("code", "message"), keys(json.get("error")));
    assertFalse(json.get("ok").asBoolean());
  }

  @Test
  void encodedEventOmitsAbsentSeqAndStateVersion() {
    ObjectNode payload = JsonNodeFactory.instance.objectNode().put("ts", 5L);
    JsonNode json = TranscriptFrame.parse(codec.encode(new GatewayFrame.Event("tick", payload)));

    assertEquals(Set.of("type", "event", "payload"), keys(json));
  }

  @Test
  void encodedRequestWithoutParamsOmitsThem() {
    String text = codec.encode(codec.request("r2", GatewayMethods.HEALTH, null));

    assertEquals("{\"type\":\"req\",\"id\":\"r2\",\"method\":\"health\"}", text);
  }

  @Test
  void typedParamsDropNullsInsideMaps() {
    Map<String, Object> params = new TreeMap<>();
    params.put("sessionKey", "agent:main:main");
    params.put("limit", null);
    JsonNode json = TranscriptFrame.parse(
        codec.encode(codec.request("r6", GatewayMethods.CHAT_HISTORY, params)));

    assertEquals(Set.of("sessionKey"), keys(json.get("params")));
  }

  // ---- malformed frames ----

  static Stream<Arguments> malformedFrames() {
    return Stream.of(
        Arguments.of("not JSON", "{\"type\":\"req\",", "not JSON"),
        Arguments.of("trailing junk", "{\"type\":\"event\",\"event\":\"tick\"} junk", "not JSON"),
        Arguments.of("array", "[{\"type\":\"req\"}]", "not a JSON object"),
        Arguments.of("bare string", "\"hello\"", "not a JSON object"),
        Arguments.of("empty text", "", "not a JSON object"),
        Arguments.of("missing type", "{\"id\":\"r1\",\"method\":\"health\"}",
            "missing string member 'type'"),
        Arguments.of("numeric type", "{\"type\":1}", "missing string member 'type'"),
        Arguments.of("unknown type", "{\"type\":\"evt\",\"event\":\"tick\"}",
            "unknown type 'evt'"),
        Arguments.of("numeric request id", "{\"type\":\"req\",\"id\":1,\"method\":\"health\"}",
            "req 'id' is not a string but NUMBER"),
        Arguments.of("numeric response id", "{\"type\":\"res\",\"id\":7,\"ok\":true}",
            "res 'id' is not a string"),
        Arguments.of("request without id", "{\"type\":\"req\",\"method\":\"health\"}",
            "req without 'id'"),
        Arguments.of("empty id", "{\"type\":\"req\",\"id\":\"\",\"method\":\"health\"}",
            "req 'id' is empty"),
        Arguments.of("request without method", "{\"type\":\"req\",\"id\":\"r1\"}",
            "req without 'method'"),
        Arguments.of("res without ok", "{\"type\":\"res\",\"id\":\"r1\",\"payload\":{}}",
            "res needs a boolean 'ok'"),
        Arguments.of("res with string ok", "{\"type\":\"res\",\"id\":\"r1\",\"ok\":\"true\"}",
            "res needs a boolean 'ok'"),
        Arguments.of("failed res without error", "{\"type\":\"res\",\"id\":\"r1\",\"ok\":false}",
            "res with ok=false has no 'error'"),
        Arguments.of("error not an object",
            "{\"type\":\"res\",\"id\":\"r1\",\"ok\":false,\"error\":\"boom\"}",
            "res 'error' is not an object"),
        Arguments.of("error without code",
            "{\"type\":\"res\",\"id\":\"r1\",\"ok\":false,\"error\":{\"message\":\"boom\"}}",
            "error without 'code'"),
        Arguments.of("event without name", "{\"type\":\"event\",\"payload\":{}}",
            "event without 'event'"),
        Arguments.of("event with string seq",
            "{\"type\":\"event\",\"event\":\"tick\",\"seq\":\"2\"}", "'seq' is not an integer"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformedFrames")
  void rejectsMalformedFramesSayingWhatIsWrong(String name, String text, String expected) {
    MalformedFrameException e =
        assertThrows(MalformedFrameException.class, () -> codec.decode(text));

    assertTrue(e.getMessage().contains(expected), e.getMessage());
    assertTrue(e.getMessage().contains(Excerpts.of(text)), "quotes the frame: " + e.getMessage());
  }

  @Test
  void quotesOnlyTheStartOfAHugeMalformedFrame() {
    String huge = "{\"type\":\"req\",\"id\":42,\"method\":\"x\",\"params\":{\"blob\":\""
        + "A".repeat(1_000_000) + "\"}}";

    MalformedFrameException e =
        assertThrows(MalformedFrameException.class, () -> codec.decode(huge));

    assertTrue(e.getMessage().startsWith("req 'id' is not a string"), e.getMessage());
    assertTrue(e.getMessage().length() < 300, "message length " + e.getMessage().length());
    assertTrue(e.getMessage().contains("(" + huge.length() + " chars)"), e.getMessage());
  }

  @Test
  void quotesOnlyTheStartOfHugeInvalidJson() {
    String huge = "{\"type\":\"event\",\"event\":\"x\",\"payload\":\"" + "B".repeat(200_000);

    MalformedFrameException e =
        assertThrows(MalformedFrameException.class, () -> codec.decode(huge));

    assertTrue(e.getMessage().startsWith("not JSON"), e.getMessage());
    assertTrue(e.getMessage().length() < 600, "message length " + e.getMessage().length());
  }

  // ---- helpers ----

  static Set<String> keys(JsonNode object) {
    Set<String> keys = new HashSet<>();
    Iterator<String> names = object.fieldNames();
    names.forEachRemaining(keys::add);
    return keys;
  }

  /** JSON paths of every null value in the tree. */
  static List<String> nullPaths(JsonNode node, String path) {
    if (node.isNull()) {
      return List.of(path);
    }
    List<String> found = new ArrayList<>();
    if (node.isObject()) {
      node.fields().forEachRemaining(
          field -> found.addAll(nullPaths(field.getValue(), path + "." + field.getKey())));
    } else if (node.isArray()) {
      for (int i = 0; i < node.size(); i++) {
        found.addAll(nullPaths(node.get(i), path + "[" + i + "]"));
      }
    }
    return found;
  }
}
