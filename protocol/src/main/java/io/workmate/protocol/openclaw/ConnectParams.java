package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.List;
import java.util.Locale;
import java.util.Objects;

/**
 * The params of {@code connect}, the first frame a client sends. The schema is closed and
 * {@code client.id} / {@code client.mode} are closed enums, so only the members below exist and
 * absent ones are omitted. Component order follows the gateway's documentation.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ConnectParams(int minProtocol, int maxProtocol, Client client, String role,
    List<String> scopes, List<String> caps, Auth auth, Device device, String locale,
    String userAgent) {

  public static final int PROTOCOL_VERSION = 4;

  /** A registry value the gateway accepts for a headless service (a custom id is rejected). */
  public static final String CLIENT_ID_GATEWAY_CLIENT = "gateway-client";
  public static final String CLIENT_MODE_BACKEND = "backend";

  public static final String ROLE_OPERATOR = "operator";
  public static final String SCOPE_READ = "operator.read";
  public static final String SCOPE_WRITE = "operator.write";
  public static final String SCOPE_ADMIN = "operator.admin";
  public static final List<String> OPERATOR_SCOPES = List.of(SCOPE_READ, SCOPE_WRITE, SCOPE_ADMIN);

  public ConnectParams {
    Objects.requireNonNull(client, "client");
    scopes = scopes == null ? null : List.copyOf(scopes);
    caps = caps == null ? null : List.copyOf(caps);
  }

  /** {@code client}: required id/version/platform/mode, the rest optional. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Client(String id, String version, String platform, String mode,
      String displayName, String deviceFamily, String instanceId) {

    public Client {
      Objects.requireNonNull(id, "id");
      Objects.requireNonNull(version, "version");
      Objects.requireNonNull(platform, "platform");
      Objects.requireNonNull(mode, "mode");
    }

    public Client(String id, String version, String platform, String mode) {
      this(id, version, platform, mode, null, null, null);
    }
  }

  /** The shared gateway token and/or a device token issued at an earlier paired connect. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Auth(String token, String deviceToken) {

    public static Auth token(String token) {
      return new Auth(token, null);
    }

    public static Auth deviceToken(String deviceToken) {
      return new Auth(null, deviceToken);
    }

    /** The token a device signature covers: the shared token if sent, else the device token. */
    String signedToken() {
      return token != null ? token : deviceToken;
    }
  }

  /** A device identity proof: see {@link DeviceIdentity#sign}. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Device(String id, String publicKey, String signature, long signedAt,
      String nonce) {}

  /**
   * Workmate's connect: {@code gateway-client} in {@code backend} mode, operator with
   * read/write/admin, protocol 4 only, no caps, the shared token (omitted when null), no device.
   * On loopback the gateway keeps all requested scopes for this client without a device.
   */
  public static ConnectParams workmate(String clientVersion, String platform, String token) {
    Client client = new Client(CLIENT_ID_GATEWAY_CLIENT, clientVersion, platform,
        CLIENT_MODE_BACKEND);
    return new ConnectParams(PROTOCOL_VERSION, PROTOCOL_VERSION, client, ROLE_OPERATOR,
        OPERATOR_SCOPES, List.of(), token == null ? null : Auth.token(token), null, null, null);
  }

  /** This JVM's platform as Node's {@code process.platform} names it (linux, darwin, win32). */
  public static String currentPlatform() {
    String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
    if (os.startsWith("mac") || os.startsWith("darwin")) {
      return "darwin";
    }
    if (os.startsWith("windows")) {
      return "win32";
    }
    return os.isEmpty() ? "linux" : os.split("\\s+")[0];
  }

  public ConnectParams withLocale(String locale) {
    return new ConnectParams(minProtocol, maxProtocol, client, role, scopes, caps, auth, device,
        locale, userAgent);
  }

  public ConnectParams withUserAgent(String userAgent) {
    return new ConnectParams(minProtocol, maxProtocol, client, role, scopes, caps, auth, device,
        locale, userAgent);
  }

  /** E.g. {@code tool-events}, without which the gateway sends no tool events. */
  public ConnectParams withCaps(List<String> caps) {
    return new ConnectParams(minProtocol, maxProtocol, client, role, scopes, caps, auth, device,
        locale, userAgent);
  }

  public ConnectParams withAuth(Auth auth) {
    return new ConnectParams(minProtocol, maxProtocol, client, role, scopes, caps, auth, device,
        locale, userAgent);
  }

  public ConnectParams withDevice(Device device) {
    return new ConnectParams(minProtocol, maxProtocol, client, role, scopes, caps, auth, device,
        locale, userAgent);
  }

  /**
   * Adds a device proof for {@code challenge}, signed over exactly the client, role, scopes and
   * token these params send, so the signed values and the sent values cannot drift apart.
   */
  public ConnectParams signedBy(DeviceIdentity identity, Challenge challenge) {
    String token = auth == null ? null : auth.signedToken();
    return withDevice(identity.sign(challenge, client.id(), client.mode(), role,
        scopes == null ? List.of() : scopes, token, client.platform(), client.deviceFamily()));
  }
}
