package io.workmate.server.processes;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.codex.CommandLimits;
import io.workmate.server.Main;
import io.workmate.server.config.InvalidSettingsException;
import io.workmate.server.config.WorkmateConfig;
import io.workmate.server.config.WorkmateSettings;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code workmate.codex.limits}: read into limits per agent, or refused naming the key. */
class CodexLimitsSettingsTest {

  @TempDir Path tmp;

  private WorkmateSettings load(String file) throws IOException {
    Path config = Files.writeString(tmp.resolve("workmate.conf"), file);
    Map<String, String> env = Map.of("XDG_DATA_HOME", tmp.toString());
    return WorkmateSettings.from(WorkmateConfig.load(Optional.of(config), env, Map.of()), env);
  }

  @Test
  void limitsAreReadPerAgentWithHoconDurationsAndSizes() throws IOException {
    WorkmateSettings settings = load("workmate.codex.limits { codex { cpu-time = 5s, "
        + "address-space = 512MiB, open-files = 256, nice = 10 }, small { cpu-time = 2m } }");
    assertEquals(CommandLimits.none().withCpuTime(Duration.ofSeconds(5))
        .withAddressSpace(512L << 20).withOpenFiles(256).withNice(10),
        settings.codex().limits().get("codex"));
    assertEquals(CommandLimits.none().withCpuTime(Duration.ofMinutes(2)),
        settings.codex().limits().get("small"));
    assertEquals("ulimit -t 6 2>/dev/null; ulimit -S -t 5 2>/dev/null\n"
        + "ulimit -v 524288 2>/dev/null\nulimit -n 256 2>/dev/null\n",
        settings.codex().limits().get("codex").profile());
  }

  @Test
  void noLimitsByDefault() throws IOException {
    assertTrue(load("").codex().limits().isEmpty());
  }

  @Test
  void aValueThatIsNotASizeOrADurationIsRefusedNamingItsKey() throws IOException {
    InvalidSettingsException e = assertThrows(InvalidSettingsException.class, () ->
        load("workmate.codex.limits { codex { cpu-time = fast, address-space = lots, "
            + "nice = 30, memory = 1GiB } }"));
    assertEquals(List.of(
        "workmate.codex.limits.codex.memory is not a limit; use cpu-time, address-space, "
            + "open-files or nice",
        "workmate.codex.limits.codex.cpu-time must be a duration such as 5s or 2m, got 'fast'",
        "workmate.codex.limits.codex.address-space must be a size such as 512MiB or 2GiB, "
            + "got 'lots'",
        "workmate.codex.limits.codex.nice must be a whole number within 0..19, got '30'"),
        e.problems());
  }

  @Test
  void serveRefusesABadLimitWithExitStatus2AndSaysWhy() throws IOException {
    Path config = Files.writeString(tmp.resolve("bad.conf"),
        "workmate.codex.limits { codex { cpu-time = soon } }");
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    PrintStream original = System.err;
    int status;
    System.setErr(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      status = Main.execute("serve", "--config", config.toString(), "--data",
          tmp.resolve("data").toString(), "--port", "0");
    } finally {
      System.setErr(original);
    }
    String err = captured.toString(StandardCharsets.UTF_8);
    assertEquals(2, status, err);
    assertTrue(err.contains("workmate.codex.limits.codex.cpu-time must be a duration such as 5s "
        + "or 2m, got 'soon'"), err);
  }
}
