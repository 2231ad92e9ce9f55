package io.workmate.server.config;

import io.workmate.jobs.JobLedger;
import io.workmate.server.config.WorkmateSettings.Cluster.SeedNode;
import io.workmate.server.config.WorkmateSettings.Cluster.Tls;
import io.workmate.server.config.WorkmateSettings.Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Reads {@code workmate.cluster} into {@link Cluster}. The values are checked whether or not
 * cluster mode is on; what only matters when it is (a derived node name, the TLS stores and
 * their passwords) is checked only then.
 */
final class ClusterSettings {

  static final String PREFIX = "workmate.cluster.";

  /** A node name: it becomes part of agent ids ({@code codex@node-a}). */
  private static final Pattern NODE_NAME =
      Pattern.compile("[a-z0-9][a-z0-9-]{0,62}", Pattern.CASE_INSENSITIVE);
  /** A host name, an IPv4 address, or an IPv6 address in brackets. */
  private static final Pattern HOST =
      Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]*|\\[[0-9A-Fa-f:.]+\\]");
  private static final Pattern ROLE = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");
  /** Bind-everywhere addresses: fine to bind, useless as the address the other nodes dial. */
  private static final Set<String> WILDCARDS = Set.of("0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0");

  private ClusterSettings() {}

  static Cluster read(SettingsReader in) {
    Boolean enabled = in.flag(PREFIX + "enabled");
    String host = in.nonBlank(PREFIX + "host", "the address the other nodes reach this one at");
    if (host != null && WILDCARDS.contains(host.trim())) {
      in.add(PREFIX + "host must be the address the other nodes reach this one at, not the "
          + "wildcard " + host.trim());
      host = null;
    }
    Integer port = in.integer(PREFIX + "port", 0, 65535);
    List<SeedNode> seeds = seedNodes(in, in.string(PREFIX + "seed-nodes"));
    List<String> roles = roles(in, in.string(PREFIX + "roles"));
    String nodeName = nodeName(in, in.string(PREFIX + "node-name"), host == null ? null
        : host.trim(), port, Boolean.TRUE.equals(enabled));
    Integer jobShards = in.integer(PREFIX + "job-shards", 2, JobLedger.MAX_SHARDS);
    Duration joinTimeout = in.positive(PREFIX + "join-timeout");
    Duration stableAfter = in.positive(PREFIX + "stable-after");
    Duration pause = in.positive(PREFIX + "failure-detector-pause");
    Integer managementPort = in.integer(PREFIX + "management-port", 0, 65535);
    Optional<Tls> tls = tls(in, Boolean.TRUE.equals(enabled));
    if (!in.clean()) {
      return null;
    }
    return new Cluster(enabled, host.trim(), port, seeds, roles, nodeName, jobShards,
        joinTimeout, stableAfter, pause, managementPort, tls);
  }

  /** Comma-separated {@code host:port} entries; an empty value is an empty list. */
  static List<SeedNode> seedNodes(SettingsReader in, String value) {
    List<SeedNode> seeds = new ArrayList<>();
    if (value == null) {
      return seeds;
    }
    for (String entry : value.split(",")) {
      if (entry.isBlank()) {
        continue;
      }
      String trimmed = entry.trim();
      int colon = trimmed.lastIndexOf(':');
      String seedHost = colon < 0 ? "" : trimmed.substring(0, colon);
      Integer seedPort = colon < 0 ? null : portOf(trimmed.substring(colon + 1));
      if (!HOST.matcher(seedHost).matches() || seedPort == null) {
        in.add(PREFIX + "seed-nodes must be comma-separated host:port entries with a port in "
            + "1..65535, such as 10.0.0.5:17355,10.0.0.6:17355; '" + trimmed + "' is not one");
        continue;
      }
      seeds.add(new SeedNode(seedHost, seedPort));
    }
    return List.copyOf(seeds);
  }

  private static Integer portOf(String text) {
    try {
      int port = Integer.parseInt(text);
      return port >= 1 && port <= 65535 ? port : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static List<String> roles(SettingsReader in, String value) {
    List<String> roles = new ArrayList<>();
    if (value == null) {
      return roles;
    }
    for (String entry : value.split(",")) {
      String role = entry.trim();
      if (role.isEmpty()) {
        continue;
      }
      if (!ROLE.matcher(role).matches() || role.startsWith("dc-")) {
        in.add(PREFIX + "roles must be comma-separated names of letters, digits, '.', '_' and "
            + "'-' (not starting with dc-, which Pekko reserves); '" + role + "' is not one");
        continue;
      }
      if (!roles.contains(role)) {
        roles.add(role);
      }
    }
    return List.copyOf(roles);
  }

  /** The configured name, else {@code <host>-<port>} made into one; null when invalid. */
  static String nodeName(SettingsReader in, String configured, String host, Integer port,
      boolean enabled) {
    String key = PREFIX + "node-name";
    if (configured == null) {
      return null;
    }
    if (!configured.isBlank()) {
      if (!NODE_NAME.matcher(configured).matches()) {
        in.add(key + " must be 1..63 letters, digits and '-', starting with a letter or a "
            + "digit; got '" + configured + "'");
        return null;
      }
      return configured;
    }
    if (host == null || port == null) {
      return null;
    }
    String derived = derivedNodeName(host, port);
    if (enabled && !NODE_NAME.matcher(derived).matches()) {
      in.add(key + " is empty and the name derived from " + PREFIX + "host and " + PREFIX
          + "port ('" + derived + "') is not a valid node name (1..63 letters, digits and "
          + "'-', starting with a letter or a digit); set " + key);
      return null;
    }
    return derived;
  }

  /** {@code <host>-<port>} with every character outside {@code [A-Za-z0-9-]} made a '-'. */
  static String derivedNodeName(String host, int port) {
    return (host + "-" + port).replaceAll("[^A-Za-z0-9-]", "-");
  }

  private static Optional<Tls> tls(SettingsReader in, boolean clusterEnabled) {
    String prefix = PREFIX + "tls.";
    Boolean enabled = in.flag(prefix + "enabled");
    String keyStore = in.string(prefix + "key-store");
    String keyStorePassword = in.string(prefix + "key-store-password");
    String keyPassword = in.string(prefix + "key-password");
    String trustStore = in.string(prefix + "trust-store");
    String trustStorePassword = in.string(prefix + "trust-store-password");
    // the stores are only opened in cluster mode, so only then must they be there
    if (!clusterEnabled || !Boolean.TRUE.equals(enabled) || keyStore == null
        || keyStorePassword == null || keyPassword == null || trustStore == null
        || trustStorePassword == null) {
      return Optional.empty();
    }
    Path keyStorePath = store(in, prefix + "key-store", keyStore);
    Path trustStorePath = store(in, prefix + "trust-store", trustStore);
    requirePassword(in, prefix + "key-store-password", keyStorePassword);
    requirePassword(in, prefix + "trust-store-password", trustStorePassword);
    if (keyStorePath == null || trustStorePath == null || keyStorePassword.isEmpty()
        || trustStorePassword.isEmpty()) {
      return Optional.empty();
    }
    // keytool's PKCS12 stores protect the key with the store's password
    Secret key = new Secret(keyPassword.isEmpty() ? keyStorePassword : keyPassword);
    return Optional.of(new Tls(keyStorePath, new Secret(keyStorePassword), key, trustStorePath,
        new Secret(trustStorePassword)));
  }

  /** A readable file, as an absolute path. */
  private static Path store(SettingsReader in, String key, String value) {
    if (value.isBlank()) {
      in.add(key + " must name a key store file (PKCS12 or JKS) when "
          + PREFIX + "tls.enabled is on");
      return null;
    }
    Path path = Path.of(value.trim()).toAbsolutePath().normalize();
    if (!(Files.isRegularFile(path) && Files.isReadable(path))) {
      in.add(key + " names " + path + ", which is not a readable file");
      return null;
    }
    return path;
  }

  /** The message names the key only: the value is a secret. */
  private static void requirePassword(SettingsReader in, String key, String value) {
    if (value.isEmpty()) {
      in.add(key + " must be set when " + PREFIX + "tls.enabled is on");
    }
  }
}
