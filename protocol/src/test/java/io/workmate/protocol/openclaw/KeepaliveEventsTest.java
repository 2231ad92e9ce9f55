package io.workmate.protocol.openclaw;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** tick and shutdown: the events that tell a client whether the link and the gateway live. */
class KeepaliveEventsTest {

  private final GatewayCodec codec = new GatewayCodec();

  @Test
  void readsATick() throws Exception {
    GatewayFrame.Event event = (GatewayFrame.Event) codec.decode(RealFrames.TICK);

    assertEquals(GatewayEvents.TICK, event.event());
    assertEquals(new Tick(1795276591247L), codec.read(event.payload(), Tick.class));
  }

  @Test
  void aShutdownWithoutRestartDelayIsFinal() throws Exception {
    GatewayFrame.Event event = (GatewayFrame.Event) codec.decode(RealFrames.SHUTDOWN);
    ShutdownEvent shutdown = codec.read(event.payload(), ShutdownEvent.class);

    assertEquals(GatewayEvents.SHUTDOWN, event.event());
    assertEquals("gateway stopping", shutdown.reason());
    assertFalse(shutdown.restartExpected());
  }

  @Test
  void aShutdownWithRestartDelayAnnouncesARestart() throws Exception {
    ShutdownEvent shutdown = codec.read(TranscriptFrame.parse(
        "{\"reason\":\"service restart\",\"restartExpectedMs\":5000}"), ShutdownEvent.class);

    assertTrue(shutdown.restartExpected());
    assertEquals(5000L, shutdown.restartExpectedMs());
  }
}
