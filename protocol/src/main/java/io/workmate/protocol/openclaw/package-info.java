/**
 * The OpenClaw Gateway WebSocket protocol, version 4: JSON text frames of three kinds ({@code req},
 * {@code res}, {@code event}), a {@code connect.challenge} / {@code connect} / {@code hello-ok}
 * handshake, and typed views of what Workmate sends and reads. The gateway's schemas are closed
 * (unknown or null fields are rejected), so everything written here omits nulls and carries only
 * known fields; everything read is lenient about extra fields.
 */
package io.workmate.protocol.openclaw;
