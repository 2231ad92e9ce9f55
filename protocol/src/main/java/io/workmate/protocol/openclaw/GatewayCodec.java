package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/**
 * Text frames to {@link GatewayFrame}s and back, plus conversion between typed records and the
 * {@code params}/{@code payload} trees. Lenient about unknown members coming in; writes no null
 * and no unknown members, because the gateway rejects both. Thread-safe.
 */
public final class GatewayCodec {

  private final ObjectMapper mapper;
  private final FrameDecoder decoder;
  private final FrameEncoder encoder;

  public GatewayCodec() {
    this(defaultMapper());
  }

  public GatewayCodec(ObjectMapper mapper) {
    this.mapper = mapper;
    this.decoder = new FrameDecoder(mapper);
    this.encoder = new FrameEncoder(mapper);
  }

  /** Unknown fields ignored on read; null fields (also inside maps) never written. */
  public static ObjectMapper defaultMapper() {
    return JsonMapper.builder()
        .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        // one frame is one JSON value: "{...} junk" is malformed, not a frame
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
        .defaultPropertyInclusion(
            JsonInclude.Value.construct(JsonInclude.Include.NON_NULL,
                JsonInclude.Include.NON_NULL))
        .build();
  }

  public ObjectMapper mapper() {
    return mapper;
  }

  public GatewayFrame decode(String text) throws MalformedFrameException {
    return decoder.decode(text);
  }

  /** Refuses a frame over {@code limit} before parsing it. */
  public GatewayFrame decode(String text, FrameSizeLimit limit) throws MalformedFrameException {
    limit.check(text);
    return decoder.decode(text);
  }

  public String encode(GatewayFrame frame) {
    return encoder.encode(frame);
  }

  /** A request whose params are a typed record (or map); null params are omitted. */
  public GatewayFrame.Request request(String id, String method, Object params) {
    return new GatewayFrame.Request(id, method, toTree(params));
  }

  public JsonNode toTree(Object value) {
    return value == null ? null : mapper.valueToTree(value);
  }

  /** Reads a payload into a record; a shape mismatch is a protocol error, not a crash. */
  public <T> T read(JsonNode node, Class<T> type) throws MalformedFrameException {
    try {
      return mapper.treeToValue(node == null ? mapper.createObjectNode() : node, type);
    } catch (JsonProcessingException e) {
      throw new MalformedFrameException(
          "cannot read " + type.getSimpleName() + ": " + e.getOriginalMessage(), e);
    } catch (IllegalArgumentException e) {
      throw new MalformedFrameException(
          "cannot read " + type.getSimpleName() + ": " + e.getMessage(), e);
    }
  }
}
