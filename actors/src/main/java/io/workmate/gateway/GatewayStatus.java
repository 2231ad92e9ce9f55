package io.workmate.gateway;

import java.net.URI;
import java.time.Instant;

/**
 * A gateway connection's state report.
 *
 * @param name the configured name ({@code local} or {@code remote})
 * @param detail a human-readable reason, e.g. the last error or the server version
 * @param since when this state began
 */
public record GatewayStatus(String name, URI url, LinkState state, String detail, Instant since) {}
