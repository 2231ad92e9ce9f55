package io.workmate.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Drives the packaged {@code bin/workmate} as a user would, against the real codex. */
class WorkmateCliIT {

  private static final Path ROOT = Path.of(System.getProperty("workmate.home"));
  private static final Path LAUNCHER = ROOT.resolve("bin/workmate");

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  private Run workmate(Map<String, String> env, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(LAUNCHER.toString());
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", tmp.resolve("data").toString());
    builder.environment().putAll(env);
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "workmate did not finish");
    return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
  }

  @Test
  void runHelloPrintsTheScriptedReplyAndSaysWhichModelItUsed() throws Exception {
    Run run = workmate(Map.of(), "run", "hello");

    assertEquals(0, run.exit(), run.err());
    assertEquals("Hello from Workmate's scripted model. You said: hello", run.out().strip());
    assertTrue(run.err().contains("no AI gateway configured"), run.err());
    assertTrue(run.err().contains("scripted provider"), run.err());
  }

  @Test
  void runStreamsCommandOutputAndHonoursCwdAndPolicies() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));

    Run run = workmate(Map.of(), "run", "--cwd", work.toString(), "--approval", "never",
        "--sandbox", "workspace-write", "[[exec:echo from-the-shell > made.txt && cat made.txt]]");

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.out().contains("$ /bin/bash -lc 'echo from-the-shell > made.txt"), run.out());
    assertTrue(run.out().contains("from-the-shell"), run.out());
    assertTrue(Files.exists(work.resolve("made.txt")));
  }

  @Test
  void withoutATerminalAnApprovalTakesTheDefaultDecision() throws Exception {
    Path work = Files.createDirectories(tmp.resolve("work"));

    Run run = workmate(Map.of(), "run", "--cwd", work.toString(), "--approval", "untrusted",
        "[[exec:touch should-not-exist]]");

    assertEquals(0, run.exit(), run.err());
    assertTrue(run.err().contains("no terminal to ask, answering decline"), run.err());
    assertTrue(run.out().contains("(command declined)"), run.out());
    assertFalse(Files.exists(work.resolve("should-not-exist")));
  }

  @Test
  void aFailedTurnExitsOneWithAOneLineReason() throws Exception {
    Run run = workmate(Map.of(), "run", "[[http:500]]");

    assertEquals(1, run.exit());
    String last = run.err().strip().lines().reduce((a, b) -> b).orElse("");
    assertTrue(last.startsWith("workmate: the turn failed: "), run.err());
  }

  @Test
  void badArgumentsAndSettingsExitTwoWithoutAStackTrace() throws Exception {
    Run policy = workmate(Map.of(), "run", "--approval", "sometimes", "x");
    assertEquals(2, policy.exit());
    assertTrue(policy.err().contains("unknown approval policy 'sometimes'"), policy.err());

    Run url = workmate(Map.of("WORKMATE_AI_GATEWAY_URL", "ftp://gateway",
        "WORKMATE_AI_GATEWAY_KEY", "sk-secret-value"), "run", "x");
    assertEquals(2, url.exit());
    assertTrue(url.err().contains("workmate.ai-gateway.url must be an absolute http(s) URL"),
        url.err());
    assertFalse(url.err().contains("sk-secret-value"), "the key must never be printed");

    Run cwd = workmate(Map.of(), "run", "--cwd", tmp.resolve("missing").toString(), "x");
    assertEquals(2, cwd.exit());
    assertTrue(cwd.err().contains("is not a directory"), cwd.err());

    Run none = workmate(Map.of());
    assertEquals(2, none.exit());
    for (Run run : List.of(policy, url, cwd, none)) {
      assertFalse(run.err().contains("\tat "), "no stack trace: " + run.err());
    }
  }

  @Test
  void aMissingCodexIsNamedWithEveryPlaceTried() throws Exception {
    // run the JVM directly so that no workmate.home points at the project-local install
    List<String> command = List.of("java", "-cp", ROOT.resolve("server/target/lib") + "/*",
        "io.workmate.server.Main", "run", "hello");
    ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", tmp.resolve("data").toString());
    builder.environment().put("WORKMATE_CODEX_BINARY", tmp.resolve("no-codex").toString());
    builder.environment().put("PATH", "/usr/bin:/bin");
    builder.redirectErrorStream(true);
    Process process = builder.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(60, TimeUnit.SECONDS));

    assertEquals(3, process.exitValue(), output);
    assertTrue(output.contains("Codex CLI not found"), output);
    assertTrue(output.contains("no-codex") && output.contains("project-local install")
        && output.contains("PATH") && output.contains("scripts/setup"), output);
  }

  @Test
  void serveAnswersTheModeCommandAndStopsCleanly() throws Exception {
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "serve", "--port", "0")
        .directory(tmp.toFile()).redirectError(ProcessBuilder.Redirect.DISCARD);
    builder.environment().keySet().removeIf(name -> name.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", tmp.resolve("data").toString());
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    Process service = builder.start();
    try {
      BufferedReader reader = new BufferedReader(
          new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
      String banner = reader.readLine();
      Matcher url =
          Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(String.valueOf(banner));
      assertTrue(url.find(), "banner: " + banner);

      Run shown = workmate(Map.of(), "mode", "--url", url.group(1));
      assertEquals(0, shown.exit(), shown.err());
      assertTrue(shown.out().contains("mode: offline (requested auto) - Offline"), shown.out());
      assertTrue(shown.out().contains("capabilities: code-agent"), shown.out());

      Run set = workmate(Map.of(), "mode", "remote", "--url", url.group(1));
      assertEquals(0, set.exit(), set.err());
      assertTrue(set.out().contains("(requested remote)"), set.out());

      Run bad = workmate(Map.of(), "mode", "warp", "--url", url.group(1));
      assertEquals(2, bad.exit());
      assertTrue(bad.err().contains("unknown mode 'warp'"), bad.err());
    } finally {
      service.destroy();
      assertTrue(service.waitFor(60, TimeUnit.SECONDS), "serve stops on SIGTERM");
    }
    assertEquals(List.of(), codexProcessesUnder(tmp.resolve("data")),
        "no codex process outlives the service");
  }

  @Test
  void serveRefusesToListenBeyondLoopbackWithoutAToken() throws Exception {
    Run run = workmate(Map.of(), "serve", "--host", "0.0.0.0", "--port", "0");

    assertEquals(2, run.exit());
    assertTrue(run.err().contains("without an API token"), run.err());
  }

  @Test
  void theModeCommandSaysWhenNoServiceAnswers() throws Exception {
    Run run = workmate(Map.of(), "mode", "--url", "http://127.0.0.1:9");

    assertEquals(4, run.exit());
    assertTrue(run.err().contains("is `workmate serve` running?"), run.err());
  }

  private static List<Long> codexProcessesUnder(Path data) {
    String codexHome = data.resolve("codex/home/.codex").toAbsolutePath().toString();
    return io.workmate.nativeos.ProcessControl.findByEnvironment("CODEX_HOME", codexHome)
        .stream().filter(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
        .toList();
  }

  @Test
  void theScriptedProviderRunsOnItsOwn() throws Exception {
    Process provider = new ProcessBuilder(LAUNCHER.toString(), "scripted-provider", "--port", "0")
        .redirectError(ProcessBuilder.Redirect.INHERIT).start();
    try {
      BufferedReader reader = new BufferedReader(
          new InputStreamReader(provider.getInputStream(), StandardCharsets.UTF_8));
      String banner = reader.readLine();
      Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+/v1)").matcher(banner);
      assertTrue(url.find(), banner);

      HttpResponse<String> response = HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create(url.group(1) + "/responses"))
              .timeout(Duration.ofSeconds(30))
              .POST(HttpRequest.BodyPublishers.ofString("{\"stream\":true,\"input\":[{\"type\":"
                  + "\"message\",\"role\":\"user\",\"content\":[{\"type\":\"input_text\","
                  + "\"text\":\"[[reply:offline demo]]\"}]}]}"))
              .build(), HttpResponse.BodyHandlers.ofString());

      assertEquals(200, response.statusCode());
      assertTrue(response.body().contains("response.completed"), response.body());
      assertTrue(response.body().contains("offline demo"), response.body());
    } finally {
      provider.destroy();
      assertTrue(provider.waitFor(30, TimeUnit.SECONDS));
    }
  }

}
