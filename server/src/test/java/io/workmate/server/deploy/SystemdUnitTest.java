package io.workmate.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * deploy/workmate.service passes the real {@code systemd-analyze verify}, and has the settings the
 * service's sd_notify protocol and its drain on SIGTERM need.
 *
 * <p>How verify is run, found with systemd 252: {@code systemd-analyze verify --root=ROOT
 * ROOT/etc/systemd/system/workmate.service}. With {@code --root} it looks up everything under ROOT:
 * the ExecStart binary (missing: "Command ... is not executable", exit 1) and the units the service
 * pulls in through its default dependencies and After=/Wants=/WantedBy= (missing: "Unit
 * sysinit.target not found", exit 1). So the test stages a root: the host's unit directory copied
 * in, the unit under etc/systemd/system, and every path the unit names created (ExecStart as an
 * executable stub at the same absolute path). Verify exits 0 on unknown keys and bad values, and
 * only prints them ("Unknown key 'X' in section [Service], ignoring."): so a clean result is exit 0
 * and no stderr line about the unit.
 */
class SystemdUnitTest {

  private static final String UNIT = "workmate.service";
  /** Where Debian's systemd keeps its units (/lib is a link to /usr/lib on Debian 12). */
  private static final Path HOST_UNITS = Path.of("/usr/lib/systemd/system");
  /** The drain timeout of issue 13, used until application.conf has the key. */
  private static final Duration ISSUE_DRAIN_TIMEOUT = Duration.ofSeconds(60);
  private static final String DRAIN_TIMEOUT_KEY = "workmate.service.drain-timeout";

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

  @Test
  void theUnitPassesSystemdAnalyzeVerify() throws Exception {
    String unit = Files.readString(DeployFiles.deploy(UNIT));
    Path file = stage(UNIT, unit, true);
    DeployFiles.Result result = verify(file);
    assertClean(result, UNIT);
  }

  @Test
  void aTypoInADirectiveMakesTheCheckFail() throws Exception {
    String unit = Files.readString(DeployFiles.deploy(UNIT));
    assertTrue(unit.contains("\nKillMode="), "the unit has no KillMode= line to break");
    Path file = stage("workmate-typo.service", unit.replace("\nKillMode=", "\nKilMode="), true);
    DeployFiles.Result result = verify(file);
    assertTrue(result.stderr().contains("KilMode") && result.stderr().contains("Unknown key"),
        "verify did not report the unknown key KilMode:\n" + result.describe());
    assertFalse(isClean(result, "workmate-typo.service"),
        "the check passed a unit with a typo:\n" + result.describe());
  }

  @Test
  void aMissingExecStartBinaryMakesTheCheckFail() throws Exception {
    String unit = Files.readString(DeployFiles.deploy(UNIT));
    Path file = stage(UNIT, unit, false);
    DeployFiles.Result result = verify(file);
    assertNotEquals(0, result.exitCode(),
        "verify passed although ExecStart's binary is not under --root:\n" + result.describe());
    assertTrue(result.stderr().contains("is not executable"), result.describe());
  }

  @Test
  void theUnitHasTheSettingsTheServiceNeeds() throws Exception {
    UnitFile unit = UnitFile.parse(Files.readString(DeployFiles.deploy(UNIT)));
    assertEquals("notify", unit.last("Service", "Type").orElse(""), "Type=");
    assertEquals("main", unit.last("Service", "NotifyAccess").orElse(""), "NotifyAccess=");
    Duration watchdog = unit.last("Service", "WatchdogSec").map(SystemdUnitTest::timeSpan)
        .orElseGet(() -> fail("no WatchdogSec="));
    assertTrue(watchdog.compareTo(Duration.ofSeconds(2)) >= 0, "WatchdogSec=" + watchdog);
    assertEquals("on-failure", unit.last("Service", "Restart").orElse(""), "Restart=");
    assertEquals("mixed", unit.last("Service", "KillMode").orElse(""), "KillMode=");
    String user = unit.last("Service", "User").orElse("");
    assertFalse(user.isBlank() || user.equals("root") || user.equals("0"),
        "User= must name a dedicated user, not '" + user + "'");
    assertTrue(unit.last("Service", "ExecStart").orElse("").contains("bin/workmate serve"),
        "ExecStart= must run bin/workmate serve");

    Duration drain = defaultDrainTimeout();
    Duration stop = unit.last("Service", "TimeoutStopSec").map(SystemdUnitTest::timeSpan)
        .orElseGet(() -> fail("no TimeoutStopSec= (the default 90 s of system.conf may change)"));
    assertTrue(stop.compareTo(drain) > 0,
        "TimeoutStopSec=" + stop + " must exceed the drain timeout " + drain);

    List<String> noRestart = List.of(unit.last("Service", "RestartPreventExitStatus").orElse("")
        .split("\\s+"));
    assertTrue(noRestart.contains("2"), "exit 2 (invalid settings) must not restart: " + noRestart);

    assertEquals("strict", unit.last("Service", "ProtectSystem").orElse(""), "ProtectSystem=");
    assertFalse(unit.all("Service", "ReadWritePaths").isEmpty(),
        "ReadWritePaths= must list where jobs write");
    assertEquals("yes", unit.last("Service", "NoNewPrivileges").orElse(""), "NoNewPrivileges=");
  }

  /**
   * Settings that stop codex's bubblewrap sandbox (user, mount and pid namespaces with its own
   * /proc) or the JVM from working; deploy/README.md says why each one is left out.
   */
  @Test
  void theUnitLeavesOutWhatBreaksCodexOrTheJvm() throws Exception {
    UnitFile unit = UnitFile.parse(Files.readString(DeployFiles.deploy(UNIT)));
    String readme = Files.readString(DeployFiles.deploy("README.md"));
    List<String> problems = new ArrayList<>();
    for (String key : List.of("RestrictNamespaces", "PrivateUsers", "MemoryDenyWriteExecute",
        "ProtectKernelTunables", "ProtectKernelLogs", "ProcSubset", "PrivateNetwork")) {
      if (!unit.all("Service", key).isEmpty()) {
        problems.add(key + "= is set");
      }
      if (!readme.contains(key + "=")) {
        problems.add("deploy/README.md does not say why " + key + "= is left out");
      }
    }
    // bubblewrap mounts, pivots and unshares (@mount, @privileged, @process)
    for (String filter : unit.all("Service", "SystemCallFilter")) {
      boolean denyList = filter.startsWith("~");
      for (String group : List.of("@mount", "@privileged", "@process")) {
        if (denyList == filter.contains(group)) {
          problems.add("SystemCallFilter=" + filter + " takes away " + group
              + ", which bubblewrap needs");
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  // ---- staging and running verify ----

  /** Builds ROOT with the host's units, the unit as etc/systemd/system/NAME and its paths. */
  private Path stage(String name, String text, boolean withBinaries)
      throws IOException, InterruptedException {
    Path units = root.resolve("usr/lib/systemd");
    Files.createDirectories(units);
    DeployFiles.Result copy = DeployFiles.run(
        List.of("cp", "-a", HOST_UNITS.toString(), units.toString()), 60);
    assertEquals(0, copy.exitCode(), "copying " + HOST_UNITS + ": " + copy.describe());
    // Masked units are links to /dev/null; none is a dependency of the unit, and JUnit warns
    // about each link out of the temporary directory when it cleans up: drop them.
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
    if (withBinaries) {
      for (String key : List.of("ExecStartPre", "ExecStart", "ExecStartPost", "ExecReload",
          "ExecStop", "ExecStopPost")) {
        for (String line : unit.all("Service", key)) {
          String binary = line.replaceFirst("^[-@:+!|]+", "").trim().split("\\s+")[0];
          if (binary.startsWith("/")) {
            Path stub = under(binary);
            Files.createDirectories(stub.getParent());
            Files.writeString(stub, "#!/bin/sh\nexit 0\n");
            Files.setPosixFilePermissions(stub, PosixFilePermissions.fromString("rwxr-xr-x"));
          }
        }
      }
    }
    for (String line : unit.all("Service", "EnvironmentFile")) {
      Path env = under(line.replaceFirst("^-", ""));
      Files.createDirectories(env.getParent());
      Files.writeString(env, "");
    }
    for (String line : unit.all("Service", "WorkingDirectory")) {
      String dir = line.replaceFirst("^-", "");
      if (dir.startsWith("/")) {
        Files.createDirectories(under(dir));
      }
    }
    for (String key : List.of("ReadWritePaths", "ReadOnlyPaths", "InaccessiblePaths")) {
      for (String line : unit.all("Service", key)) {
        for (String path : line.split("\\s+")) {
          Files.createDirectories(under(path.replaceFirst("^[-+]+", "")));
        }
      }
    }
    Map<String, String> directories = Map.of("StateDirectory", "var/lib",
        "ConfigurationDirectory", "etc", "CacheDirectory", "var/cache", "LogsDirectory", "var/log",
        "RuntimeDirectory", "run");
    for (Map.Entry<String, String> entry : directories.entrySet()) {
      for (String line : unit.all("Service", entry.getKey())) {
        for (String dir : line.split("\\s+")) {
          Files.createDirectories(root.resolve(entry.getValue()).resolve(dir));
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

  private void assertClean(DeployFiles.Result result, String name) {
    assertTrue(isClean(result, name), "systemd-analyze verify --root=" + root + " "
        + name + " did not pass cleanly:\n" + result.describe());
  }

  /** Exit 0 and no stderr line that names the unit (verify's warnings all start with it). */
  private boolean isClean(DeployFiles.Result result, String name) {
    String stem = name.substring(0, name.lastIndexOf('.'));
    return result.exitCode() == 0 && result.stderrLines().stream()
        .noneMatch(line -> line.contains(stem) || line.contains(root.toString()));
  }

  // ---- reading the unit ----

  private static Duration defaultDrainTimeout() {
    Config defaults = ConfigFactory.parseResources("application.conf").resolve();
    return defaults.hasPath(DRAIN_TIMEOUT_KEY) ? defaults.getDuration(DRAIN_TIMEOUT_KEY)
        : ISSUE_DRAIN_TIMEOUT;
  }

  private static final Pattern SPAN_PART = Pattern.compile("(\\d+(?:\\.\\d+)?)\\s*([a-z]*)");

  /** A systemd time span: "90", "90s", "1min 30s", "2h"; a bare number means seconds. */
  static Duration timeSpan(String text) {
    Matcher matcher = SPAN_PART.matcher(text.trim().toLowerCase(Locale.ROOT));
    double millis = 0;
    int end = 0;
    while (matcher.find()) {
      if (!text.trim().substring(end, matcher.start()).isBlank()) {
        throw new IllegalArgumentException("not a time span: " + text);
      }
      double value = Double.parseDouble(matcher.group(1));
      millis += value * switch (matcher.group(2)) {
        case "", "s", "sec", "second", "seconds" -> 1000.0;
        case "ms", "msec" -> 1.0;
        case "us", "usec" -> 0.001;
        case "m", "min", "minute", "minutes" -> 60_000.0;
        case "h", "hr", "hour", "hours" -> 3_600_000.0;
        case "d", "day", "days" -> 86_400_000.0;
        default -> throw new IllegalArgumentException("unknown unit in " + text);
      };
      end = matcher.end();
    }
    if (end == 0 || end != text.trim().length()) {
      throw new IllegalArgumentException("not a time span: " + text);
    }
    return Duration.ofMillis(Math.round(millis));
  }

  /** An INI-style unit file: sections of KEY=value lines; a key may repeat. */
  record UnitFile(Map<String, List<Map.Entry<String, String>>> sections) {

    static UnitFile parse(String text) {
      Map<String, List<Map.Entry<String, String>>> sections = new LinkedHashMap<>();
      String section = "";
      StringBuilder pending = new StringBuilder();
      for (String raw : text.split("\n", -1)) {
        String line = pending + raw.strip();
        pending.setLength(0);
        if (line.endsWith("\\")) {
          pending.append(line, 0, line.length() - 1).append(' ');
          continue;
        }
        if (line.isEmpty() || line.startsWith("#") || line.startsWith(";")) {
          continue;
        }
        if (line.startsWith("[") && line.endsWith("]")) {
          section = line.substring(1, line.length() - 1);
          continue;
        }
        int eq = line.indexOf('=');
        if (eq > 0) {
          sections.computeIfAbsent(section, s -> new ArrayList<>())
              .add(Map.entry(line.substring(0, eq).strip(), line.substring(eq + 1).strip()));
        }
      }
      return new UnitFile(sections);
    }

    List<String> all(String section, String key) {
      return sections.getOrDefault(section, List.of()).stream()
          .filter(entry -> entry.getKey().equals(key)).map(Map.Entry::getValue).toList();
    }

    Optional<String> last(String section, String key) {
      List<String> values = all(section, key);
      return values.isEmpty() ? Optional.empty() : Optional.of(values.get(values.size() - 1));
    }
  }
}
