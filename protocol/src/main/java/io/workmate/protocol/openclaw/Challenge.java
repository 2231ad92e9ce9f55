package io.workmate.protocol.openclaw;

/**
 * The payload of {@code connect.challenge}. The nonce and {@code ts} go into a device signature;
 * a token-only connect may ignore them.
 */
public record Challenge(String nonce, Long ts) {}
