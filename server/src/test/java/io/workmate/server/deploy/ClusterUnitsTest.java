package io.workmate.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.workmate.server.config.InvalidSettingsException;
import io.workmate.server.config.WorkmateConfig;
import io.workmate.server.config.WorkmateSettings;
import io.workmate.server.deploy.SystemdUnitTest.UnitFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/cluster: the template unit workmate@.service passes the real {@code systemd-analyze
 * verify} for each node (node-a, node-b, node-c, with its env file in place), restarts a downed
 * node (exit 6) but not a misconfigured one (exit 2), keeps the single-node unit's settings, and
 * the three env files describe one cluster, as the service's own settings code reads them.
 *
 * <p>Verify runs on a staged root as in {@link SystemdUnitTest}; given
 * {@code ROOT/etc/systemd/system/workmate@node-a.service}, systemd 252 loads the template and
 * expands its specifiers for that instance (an ExecStart naming {@code %i} is looked up as the
 * instance's path), so each instance is checked on its own.
 */
class ClusterUnitsTest {

  private static final String TEMPLATE = "workmate@.service";
  private static final List<String> NODES = List.of("node-a", "node-b", "node-c");
  private static final Path HOST_UNITS = Path.of("/usr/lib/systemd/system");
  private static final String ETC = "/etc/workmate/";
  private static final Duration ISSUE_DRAIN_TIMEOUT = Duration.ofSeconds(60);
  /** Settings that differ from deploy/workmate.service on purpose (the unit says why). */
  private static final Set<String> PER_NODE = Set.of("EnvironmentFile", "WorkingDirectory",
      "StateDirectory");

  private static Path systemdAnalyze;

  @TempDir Path root;

  @BeforeAll
  static void findSystemdAnalyze() {
    systemdAnalyze = DeployFiles.onPath("systemd-analyze").orElseGet(() -> fail(
        "systemd-analyze is not on the PATH: scripts/setup installs it (Debian package systemd; "
            + "run scripts/setup --tools-only as root)"));
    assertTrue(Files.isDirectory(HOST_UNITS),
        HOST_UNITS + " is missing: scripts/setup installs Debian's systemd package, which has it");
  }

  // ---- systemd-analyze verify ----

  @Test
  void eachNodesInstancePassesSystemdAnalyzeVerify() throws Exception {
    String unit = Files.readString(cluster(TEMPLATE));
    Path template = stage(TEMPLATE, unit);
    for (String node : NODES) {
      Path instance = template.resolveSibling("workmate@" + node + ".service");
      DeployFiles.Result result = verify(instance);
      assertTrue(isClean(result), "systemd-analyze verify --root=" + root + " " + instance
          + " did not pass cleanly:\n" + result.describe());
    }
  }

  @Test
  void aTypoInTheTemplateMakesTheCheckFail() throws Exception {
    String unit = Files.readString(cluster(TEMPLATE));
    assertTrue(unit.contains("\nKillMode="), "the unit has no KillMode= line to break");
    Path template = stage(TEMPLATE, unit.replace("\nKillMode=", "\nKilMode="));
    DeployFiles.Result result = verify(template.resolveSibling("workmate@node-a.service"));
    assertTrue(result.stderr().contains("KilMode") && result.stderr().contains("Unknown key"),
        "verify did not report the unknown key KilMode:\n" + result.describe());
    assertFalse(isClean(result), "the check passed a unit with a typo:\n" + result.describe());
  }

  // ---- the unit ----

  @Test
  void theUnitRestartsADownedNodeButNotAMisconfiguredOne() throws Exception {
    UnitFile unit = template();
    List<String> prevent = words(unit.last("Service", "RestartPreventExitStatus").orElse(""));
    assertTrue(prevent.contains("2"), "exit 2 (config error, join timeout) must not restart: "
        + prevent);
    assertFalse(prevent.contains("6"), "exit 6 (downed by the cluster) must restart: " + prevent);
    assertTrue(restarts(unit, 6), "a node downed by the Split Brain Resolver is not restarted");
    assertFalse(restarts(unit, 2), "a node with invalid settings is restarted");
    assertFalse(restarts(unit, 3), "a node without codex is restarted");
    assertTrue(restarts(unit, 5), "a node whose PostgreSQL is not up yet is not restarted");
    assertTrue(restarts(unit, 1), "a node whose port was taken is not restarted");
    assertFalse(restarts(unit, 0), "a node that stopped cleanly (drained, left) is restarted");
  }

  @Test
  void theUnitHasWhatAClusterNodeNeeds() throws Exception {
    UnitFile unit = template();
    assertEquals("notify", unit.last("Service", "Type").orElse(""), "Type=");
    assertEquals("main", unit.last("Service", "NotifyAccess").orElse(""), "NotifyAccess=");
    assertEquals("mixed", unit.last("Service", "KillMode").orElse(""), "KillMode=");
    assertTrue(unit.last("Service", "WatchdogSec").isPresent(), "no WatchdogSec=");
    assertEquals(List.of(ETC + "%i.env"), unit.all("Service", "EnvironmentFile"),
        "each instance reads its node's env file");
    assertTrue(unit.last("Service", "StateDirectory").orElse("").contains("%i"),
        "each node needs a data dir of its own");
    assertTrue(unit.last("Service", "ExecStart").orElse("")
        .contains("bin/workmate serve --data ${STATE_DIRECTORY}"), "ExecStart=");

    Config defaults = ConfigFactory.parseResources("application.conf").resolve();
    Duration drain = defaults.hasPath("workmate.service.drain-timeout")
        ? defaults.getDuration("workmate.service.drain-timeout") : ISSUE_DRAIN_TIMEOUT;
    Duration stop = timeSpan(unit, "TimeoutStopSec");
    assertTrue(stop.compareTo(drain) > 0, "TimeoutStopSec=" + stop + " <= drain " + drain);
    // READY=1 only once the node is Up: the start timeout must leave the join its full time
    Duration start = timeSpan(unit, "TimeoutStartSec");
    Duration join = defaults.getDuration("workmate.cluster.join-timeout");
    for (String node : NODES) {
      String configured = env(node).get("WORKMATE_CLUSTER_JOIN_TIMEOUT");
      if (configured != null && !configured.isEmpty()) {
        join = ConfigFactory.parseString("t = " + configured).getDuration("t");
      }
      assertTrue(start.compareTo(join.multipliedBy(2)) >= 0, "TimeoutStartSec=" + start
          + " leaves too little above the join timeout " + join + " (" + node + ")");
    }
  }

  /** Hardening, watchdog, drain and restart settings are those of the single-node unit. */
  @Test
  void theUnitKeepsTheSingleNodeUnitsSettings() throws Exception {
    UnitFile single = UnitFile.parse(Files.readString(DeployFiles.deploy("workmate.service")));
    UnitFile node = template();
    List<String> differences = new ArrayList<>();
    for (String section : List.of("Unit", "Service", "Install")) {
      Set<String> keys = new HashSet<>();
      single.sections().getOrDefault(section, List.of()).forEach(e -> keys.add(e.getKey()));
      node.sections().getOrDefault(section, List.of()).forEach(e -> keys.add(e.getKey()));
      keys.removeAll(Set.of("Description"));
      for (String key : keys) {
        if (section.equals("Service") && PER_NODE.contains(key)) {
          continue;
        }
        if (!single.all(section, key).equals(node.all(section, key))) {
          differences.add("[" + section + "] " + key + ": " + single.all(section, key) + " vs "
              + node.all(section, key));
        }
      }
    }
    assertEquals(List.of(), differences, "deploy/workmate.service vs deploy/cluster/" + TEMPLATE);
  }

  // ---- the env files ----

  @Test
  void theEnvFilesDescribeOneThreeNodeClusterOnPostgres() throws Exception {
    Map<String, Map<String, String>> envs = new LinkedHashMap<>();
    for (String node : NODES) {
      envs.put(node, env(node));
    }
    List<String> addresses = new ArrayList<>();
    for (var entry : envs.entrySet()) {
      String node = entry.getKey();
      Map<String, String> env = entry.getValue();
      assertEquals("on", env.get("WORKMATE_CLUSTER_ENABLED"), node + ": cluster mode");
      assertEquals(node, env.get("WORKMATE_CLUSTER_NODE_NAME"), node + ": node name");
      String host = env.getOrDefault("WORKMATE_CLUSTER_HOST", "");
      assertFalse(host.isEmpty() || host.startsWith("127.") || host.equals("localhost")
          || host.equals("0.0.0.0"), node + ": WORKMATE_CLUSTER_HOST=" + host
          + " is not an address the other nodes can dial");
      assertEquals("17355", env.get("WORKMATE_CLUSTER_PORT"), node + ": cluster port");
      addresses.add(host + ":" + env.get("WORKMATE_CLUSTER_PORT"));
      assertEquals("postgres", env.get("WORKMATE_JOURNAL_KIND"), node + ": journal");
      String url = env.getOrDefault("WORKMATE_JOURNAL_POSTGRES_URL", "");
      assertTrue(url.startsWith("jdbc:postgresql://") && !url.contains("//127.")
          && !url.contains("//localhost"), node + ": not a shared PostgreSQL server: " + url);
      assertEquals("on", env.get("WORKMATE_CLUSTER_TLS_ENABLED"), node + ": TLS");
      assertEquals(ETC + node + ".p12", env.get("WORKMATE_CLUSTER_TLS_KEY_STORE"),
          node + ": its own key store");
      assertEquals(host, env.get("WORKMATE_HTTP_HOST"), node + ": HTTP API on its address");
    }
    assertEquals(NODES.size(), new HashSet<>(addresses).size(), "two nodes share an address: "
        + addresses);
    // the same seed list everywhere, naming exactly the three nodes, node-a (started first) first
    String seeds = String.join(",", addresses);
    for (var entry : envs.entrySet()) {
      assertEquals(seeds, entry.getValue().get("WORKMATE_CLUSTER_SEED_NODES"),
          entry.getKey() + ": seed nodes");
    }
    for (String shared : List.of("WORKMATE_CLUSTER_JOB_SHARDS", "WORKMATE_CLUSTER_TLS_TRUST_STORE",
        "WORKMATE_JOURNAL_POSTGRES_URL", "WORKMATE_JOURNAL_POSTGRES_USER")) {
      Set<String> values = new HashSet<>();
      envs.values().forEach(env -> values.add(env.get(shared)));
      assertEquals(1, values.size(), shared + " differs between the nodes: " + values);
    }
  }

  @Test
  void theEnvFilesHoldNoSecretsAndOnlyDocumentedVariables() throws Exception {
    String readme = Files.readString(DeployFiles.repo().resolve("README.md"));
    List<String> problems = new ArrayList<>();
    for (String node : NODES) {
      for (var entry : env(node).entrySet()) {
        String name = entry.getKey();
        if (!WorkmateConfig.ENVIRONMENT.containsKey(name)) {
          problems.add(node + ": " + name + " is not a variable Workmate reads");
        }
        if (!readme.contains("`" + name + "`")) {
          problems.add(node + ": " + name + " is not in README.md's settings table");
        }
        if ((name.endsWith("PASSWORD") || name.endsWith("TOKEN") || name.endsWith("_KEY"))
            && !entry.getValue().isEmpty()) {
          problems.add(node + ": " + name + " has a value; secrets are left as placeholders");
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  /** With its secrets filled in, each file is valid for the service's own settings code. */
  @Test
  void theServiceAcceptsEachEnvFileOnceItsSecretsAreFilledIn() throws Exception {
    for (String node : NODES) {
      Map<String, String> env = runnable(node);
      env.replaceAll((name, value) -> value.isEmpty() && (name.endsWith("PASSWORD")
          || name.endsWith("TOKEN")) ? "placeholder-" + name : value);
      Config config = WorkmateConfig.load(Optional.empty(), env, Map.of());
      WorkmateSettings.Cluster cluster = WorkmateSettings.from(config, env).cluster();
      assertTrue(cluster.enabled(), node);
      assertEquals(node, cluster.nodeName());
      assertEquals(3, cluster.seedNodes().size(), node + ": " + cluster.seedNodes());
      assertTrue(cluster.seedNodes().stream().anyMatch(seed -> seed.host().equals(cluster.host())
          && seed.port() == cluster.port()), node + " is not in its own seed list");
      assertTrue(cluster.tls().isPresent(), node + ": TLS");
      assertEquals("postgres", config.getString("workmate.journal.kind"), node);
    }
  }

  /** As shipped, the empty TLS passwords stop the node with exit 2 (not restarted). */
  @Test
  void theShippedPlaceholdersKeepANodeFromStarting() throws Exception {
    for (String node : NODES) {
      Map<String, String> env = runnable(node);
      InvalidSettingsException refused = assertThrows(InvalidSettingsException.class,
          () -> WorkmateSettings.from(WorkmateConfig.load(Optional.empty(), env, Map.of()), env),
          node + " starts with empty TLS passwords");
      String problems = String.join("\n", refused.problems());
      for (String key : List.of("key-store-password", "trust-store-password")) {
        assertTrue(problems.contains("workmate.cluster.tls." + key), node + ": " + problems);
      }
    }
  }

  // ---- helpers ----

  private static Path cluster(String name) {
    return DeployFiles.deploy("cluster").resolve(name);
  }

  private static UnitFile template() throws IOException {
    return UnitFile.parse(Files.readString(cluster(TEMPLATE)));
  }

  /**
   * An env file as systemd reads it here: VAR=value lines, # comments; the files use no quotes,
   * no continuation and no spaces around '=', which the test requires rather than interprets.
   */
  private static Map<String, String> env(String node) throws IOException {
    Map<String, String> env = new LinkedHashMap<>();
    for (String line : Files.readAllLines(cluster(node + ".env"))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      int eq = line.indexOf('=');
      assertTrue(eq > 0 && line.substring(0, eq).matches("[A-Z][A-Z0-9_]*"),
          node + ".env: not VAR=value: " + line);
      String value = line.substring(eq + 1);
      assertFalse(value.startsWith("\"") || value.startsWith("'") || value.endsWith("\\")
          || !value.equals(value.strip()), node + ".env: quotes, '\\' or spaces in: " + line);
      assertFalse(env.containsKey(line.substring(0, eq)), node + ".env sets twice: " + line);
      env.put(line.substring(0, eq), value);
    }
    return env;
  }

  /** The node's env, its key and trust stores as files under the temporary root. */
  private Map<String, String> runnable(String node) throws IOException {
    Map<String, String> env = new HashMap<>(env(node));
    for (String store : List.of("WORKMATE_CLUSTER_TLS_KEY_STORE",
        "WORKMATE_CLUSTER_TLS_TRUST_STORE")) {
      String path = env.get(store);
      assertTrue(path != null && path.startsWith(ETC), node + ": " + store + "=" + path
          + " is not under " + ETC);
      Path file = under(path);
      Files.createDirectories(file.getParent());
      Files.writeString(file, "not read by the settings check");
      env.put(store, file.toString());
    }
    env.put("XDG_DATA_HOME", root.resolve("data").toString());
    return env;
  }

  /** Stages ROOT as SystemdUnitTest does, plus each node's env file and data dir. */
  private Path stage(String name, String text) throws IOException, InterruptedException {
    Path units = root.resolve("usr/lib/systemd");
    Files.createDirectories(units);
    DeployFiles.Result copy = DeployFiles.run(
        List.of("cp", "-a", HOST_UNITS.toString(), units.toString()), 60);
    assertEquals(0, copy.exitCode(), "copying " + HOST_UNITS + ": " + copy.describe());
    try (var paths = Files.walk(units)) {
      for (Path link : paths.filter(Files::isSymbolicLink).toList()) {
        if (Files.readSymbolicLink(link).isAbsolute()) {
          Files.delete(link);
        }
      }
    }
    Path file = root.resolve("etc/systemd/system").resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, text);

    UnitFile unit = UnitFile.parse(text);
    String exec = unit.last("Service", "ExecStart").orElseGet(() -> fail("no ExecStart="));
    Path stub = under(exec.split("\\s+")[0]);
    Files.createDirectories(stub.getParent());
    Files.writeString(stub, "#!/bin/sh\nexit 0\n");
    Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
    for (String line : unit.all("Service", "ReadWritePaths")) {
      for (String path : line.split("\\s+")) {
        Files.createDirectories(under(path.replaceFirst("^[-+]+", "")));
      }
    }
    Files.createDirectories(root.resolve("etc/workmate"));
    for (String node : NODES) {
      for (String envFile : unit.all("Service", "EnvironmentFile")) {
        Path target = under(envFile.replaceFirst("^-", "").replace("%i", node));
        assertEquals(root.resolve("etc/workmate/" + node + ".env"), target);
        Files.copy(cluster(node + ".env"), target);
      }
      for (String key : List.of("StateDirectory", "WorkingDirectory")) {
        for (String dir : unit.all("Service", key)) {
          String path = (key.equals("StateDirectory") ? "/var/lib/" : "") + dir;
          Files.createDirectories(under(path.replace("%i", node)));
        }
      }
    }
    return file;
  }

  private Path under(String absolute) {
    return root.resolve(absolute.replaceFirst("^/+", ""));
  }

  private DeployFiles.Result verify(Path file) throws IOException, InterruptedException {
    return DeployFiles.run(List.of(systemdAnalyze.toString(), "verify", "--root=" + root,
        file.toString()), 120);
  }

  /** Exit 0 and no stderr line about the template or an instance, or a file under ROOT. */
  private boolean isClean(DeployFiles.Result result) {
    return result.exitCode() == 0 && result.stderrLines().stream()
        .noneMatch(line -> line.contains("workmate@") || line.contains(root.toString()));
  }

  /**
   * Whether systemd restarts the service after its main process exits with {@code status}
   * (systemd.service(5): RestartForceExitStatus= first, then RestartPreventExitStatus=, then
   * Restart=; exit 0 and SuccessExitStatus= are clean exits).
   */
  private static boolean restarts(UnitFile unit, int status) {
    String code = Integer.toString(status);
    if (unit.all("Service", "RestartForceExitStatus").stream()
        .anyMatch(line -> words(line).contains(code))) {
      return true;
    }
    if (unit.all("Service", "RestartPreventExitStatus").stream()
        .anyMatch(line -> words(line).contains(code))) {
      return false;
    }
    boolean clean = status == 0 || unit.all("Service", "SuccessExitStatus").stream()
        .anyMatch(line -> words(line).contains(code));
    return switch (unit.last("Service", "Restart").orElse("no")) {
      case "always" -> true;
      case "on-success" -> clean;
      case "on-failure" -> !clean;
      default -> false; // no; on-abnormal and on-abort ignore exit codes
    };
  }

  private static List<String> words(String line) {
    return List.of(line.trim().split("\\s+"));
  }

  private static Duration timeSpan(UnitFile unit, String key) {
    return unit.last("Service", key).map(SystemdUnitTest::timeSpan)
        .orElseGet(() -> fail("no " + key + "="));
  }
}
