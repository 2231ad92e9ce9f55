package io.workmate.protocol.openclaw;

/** The payload of a {@code tick} event: the gateway's clock in epoch milliseconds. */
public record Tick(Long ts) {}
