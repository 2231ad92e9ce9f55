package io.workmate.gateway;

import io.workmate.codex.WorkmateVersion;
import io.workmate.protocol.openclaw.Challenge;
import io.workmate.protocol.openclaw.ConnectParams;
import io.workmate.protocol.openclaw.DeviceIdentity;
import io.workmate.support.PrivateFiles;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This installation's Ed25519 device identity for one gateway, and the device token the gateway
 * issued when it paired us. Kept in the gateway's state dir (files readable by the owner only),
 * so reconnects and restarts present the same device; without a state dir they live in memory.
 */
final class DeviceCredentials {

  private static final Logger log = LoggerFactory.getLogger(DeviceCredentials.class);
  private static final String IDENTITY_FILE = "device-identity.pk8";
  private static final String TOKEN_FILE = "device-token";

  private final Optional<Path> dir;
  private DeviceIdentity identity;
  private String deviceToken;

  DeviceCredentials(Optional<Path> dir) {
    this.dir = dir;
  }

  DeviceIdentity identity() {
    if (identity == null) {
      identity = dir.flatMap(this::load).orElseGet(this::generateAndStore);
    }
    return identity;
  }

  /**
   * The {@code connect} params for a challenge: the configured token, else the device token
   * the gateway gave us, signed with this device's identity over the challenge.
   */
  ConnectParams connectParams(String configuredToken, Challenge challenge) {
    String token = configuredToken == null || configuredToken.isBlank() ? null : configuredToken;
    ConnectParams params = ConnectParams.workmate(WorkmateVersion.current(),
        ConnectParams.currentPlatform(), token);
    if (params.auth() == null && deviceToken().isPresent()) {
      params = params.withAuth(ConnectParams.Auth.deviceToken(deviceToken().get()));
    }
    return params.withUserAgent("workmate/" + WorkmateVersion.current())
        .signedBy(identity(), challenge);
  }

  Optional<String> deviceToken() {
    if (deviceToken == null) {
      deviceToken = dir.flatMap(d -> read(d.resolve(TOKEN_FILE))).orElse(null);
    }
    return Optional.ofNullable(deviceToken).filter(token -> !token.isBlank());
  }

  void rememberDeviceToken(String token) {
    if (token == null || token.equals(deviceToken)) {
      return;
    }
    deviceToken = token;
    dir.ifPresent(d -> write(d.resolve(TOKEN_FILE), token.getBytes(StandardCharsets.UTF_8)));
  }

  private Optional<DeviceIdentity> load(Path directory) {
    Path file = directory.resolve(IDENTITY_FILE);
    if (!Files.isRegularFile(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(DeviceIdentity.fromPkcs8(Files.readAllBytes(file)));
    } catch (IOException | RuntimeException e) {
      log.warn("cannot read the device identity {} ({}); making a new one", file, e.getMessage());
      return Optional.empty();
    }
  }

  private DeviceIdentity generateAndStore() {
    DeviceIdentity generated = DeviceIdentity.generate();
    dir.ifPresent(d -> write(d.resolve(IDENTITY_FILE), generated.toPkcs8()));
    return generated;
  }

  private static Optional<String> read(Path file) {
    try {
      return Files.isRegularFile(file)
          ? Optional.of(Files.readString(file, StandardCharsets.UTF_8).trim()) : Optional.empty();
    } catch (IOException e) {
      return Optional.empty();
    }
  }

  /** Atomic, owner-only: these files are credentials. */
  private static void write(Path file, byte[] content) {
    try {
      PrivateFiles.writeAtomically(file, content);
    } catch (IOException e) {
      log.warn("cannot store {}: {}", file, e.getMessage());
    }
  }
}
