package io.workmate.protocol.openclaw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class FrameSizeLimitTest {

  private final GatewayCodec codec = new GatewayCodec();

  @Test
  void beforeHelloTheLimitIs64KibOfUtf8() {
    FrameSizeLimit limit = FrameSizeLimit.beforeHello();

    assertTrue(limit.fits("a".repeat(65_536)));
    assertFalse(limit.fits("a".repeat(65_537)));
    // 32768 two-byte chars are exactly 64 KiB; one more ASCII char is over
    assertTrue(limit.fits("\u00e9".repeat(32_768)));
    assertFalse(limit.fits("\u00e9".repeat(32_768) + "a"));
  }

  @Test
  void countsUtf8BytesNotChars() {
    assertEquals(1, FrameSizeLimit.utf8Length("a"));
    assertEquals(2, FrameSizeLimit.utf8Length("\u00b7"));
    assertEquals(3, FrameSizeLimit.utf8Length("\u20ac"));
    assertEquals(4, FrameSizeLimit.utf8Length("\ud83e\udd9e"));
    String mixed = "a\u00b7\u20ac\ud83e\udd9e";
    assertEquals(mixed.getBytes(StandardCharsets.UTF_8).length,
        FrameSizeLimit.utf8Length(mixed));
  }

  @Test
  void afterHelloTheLimitIsTheAnnouncedMaxPayload() throws Exception {
    GatewayFrame.Response hello =
        (GatewayFrame.Response) codec.decode(TranscriptFrame.helloOk().text());

    FrameSizeLimit limit = FrameSizeLimit.after(codec.read(hello.payload(), HelloOk.class));

    assertEquals(26_214_400, limit.maxBytes());
    assertTrue(limit.fits("a".repeat(100_000)));
  }

  @Test
  void aHelloWithoutPolicyFallsBackToTheDocumentedPayloadLimit() {
    HelloOk bare = new HelloOk(HelloOk.TYPE, 4, null, null, null, null, null);

    assertEquals(FrameSizeLimit.DEFAULT_MAX_PAYLOAD_BYTES, FrameSizeLimit.after(bare).maxBytes());
  }

  @Test
  void decodeWithALimitRefusesAnOversizedFrameBeforeParsingIt() {
    String frame = "{\"type\":\"event\",\"event\":\"tick\",\"payload\":{\"pad\":\""
        + "x".repeat(70_000) + "\"}}";

    FrameTooLargeException e = assertThrows(FrameTooLargeException.class,
        () -> codec.decode(frame, FrameSizeLimit.beforeHello()));

    assertEquals(frame.length(), e.sizeBytes());
    assertEquals(65_536, e.maxBytes());
    assertTrue(e.getMessage().contains("exceeds the limit of 65536 bytes"), e.getMessage());
  }

  @Test
  void workmatesConnectFrameFitsBeforeHello() throws Exception {
    String connect = codec.encode(codec.request("c1", GatewayMethods.CONNECT,
        ConnectParams.workmate("0.1.0", "linux", "t".repeat(64))));

    FrameSizeLimit.beforeHello().check(connect);
    assertTrue(connect.length() < 1_000, connect);
  }
}
