package io.workmate.memory;

import io.workmate.gateway.GatewayReply;
import io.workmate.protocol.openclaw.AgentFiles;
import io.workmate.protocol.openclaw.GatewayCodec;
import io.workmate.protocol.openclaw.MalformedFrameException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.Optional;

/**
 * What a {@link MemorySync} makes of the answers to {@code agents.files.get} and
 * {@code agents.files.set}: the file, a compare-and-set conflict, a readable failure.
 */
final class AgentFileCalls {

  static final GatewayCodec CODEC = new GatewayCodec();

  private AgentFileCalls() {}

  static Optional<AgentFiles.File> answeredFile(GatewayReply.Ok ok)
      throws MalformedFrameException {
    if (ok.payload() == null || ok.payload().isNull()) {
      return Optional.empty();
    }
    return Optional.ofNullable(CODEC.read(ok.payload(), AgentFiles.Answer.class).file());
  }

  static boolean isConflict(GatewayReply reply) {
    if (!(reply instanceof GatewayReply.Rejected rejected) || rejected.error() == null
        || rejected.error().details() == null) {
      return false;
    }
    try {
      return AgentFiles.CONFLICT.equals(
          CODEC.read(rejected.error().details(), AgentFiles.ErrorDetails.class).type());
    } catch (MalformedFrameException e) {
      return false;
    }
  }

  static String describe(GatewayReply reply) {
    if (reply instanceof GatewayReply.Rejected rejected) {
      return "refused (" + rejected.error() + ")";
    }
    if (reply instanceof GatewayReply.Unavailable unavailable) {
      return "unavailable (" + unavailable.reason() + ")";
    }
    return String.valueOf(reply);
  }

  static String sha256(String content) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
          .digest(content.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
