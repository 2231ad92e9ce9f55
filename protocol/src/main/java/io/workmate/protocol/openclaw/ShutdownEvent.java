package io.workmate.protocol.openclaw;

/**
 * The payload of {@code shutdown}. With {@code restartExpectedMs} the gateway is restarting and a
 * reconnect after that delay should work; without it the stop is final. The close code is 1012
 * either way, so this payload is the only place the difference shows.
 */
public record ShutdownEvent(String reason, Long restartExpectedMs) {

  public boolean restartExpected() {
    return restartExpectedMs != null;
  }
}
