package io.workmate.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The job commands of the packaged {@code bin/workmate} against a real {@code serve} (its H2
 * journal in a temp dir, offline, the echo agent on, codex on the scripted provider).
 */
class JobsCliIT {

  private static final Path ROOT = Path.of(System.getProperty("workmate.home"));
  private static final Path LAUNCHER = ROOT.resolve("bin/workmate");
  private static final Pattern JOB_ID = Pattern.compile("job-[0-9a-f]{32}");

  @TempDir Path tmp;

  record Run(int exit, String out, String err) {}

  private Run workmate(String url, String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(LAUNCHER.toString());
    command.addAll(List.of(args));
    if (url != null) {
      command.add("--url");
      command.add(url);
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", tmp.resolve("client").toString());
    builder.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
    Process process = builder.start();
    var out = process.getInputStream().readAllBytes();
    var err = process.getErrorStream().readAllBytes();
    assertTrue(process.waitFor(120, TimeUnit.SECONDS), "workmate did not finish");
    Run run = new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8),
        new String(err, StandardCharsets.UTF_8));
    assertFalse(run.err().contains("\tat ") || run.err().contains("Exception"),
        "no stack trace: " + run.err());
    return run;
  }

  private Process serve(Map<String, String> env) throws Exception {
    ProcessBuilder builder = new ProcessBuilder(LAUNCHER.toString(), "serve", "--port", "0")
        .directory(tmp.toFile()).redirectError(tmp.resolve("serve.err").toFile());
    builder.environment().keySet().removeIf(name -> name.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_DATA_DIR", tmp.resolve("data").toString());
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().putAll(env);
    return builder.start();
  }

  private static String url(Process service) throws Exception {
    BufferedReader reader = new BufferedReader(
        new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
    String banner = reader.readLine();
    Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(String.valueOf(banner));
    assertTrue(url.find(), "banner: " + banner);
    assertTrue(banner.contains("journal: h2"), banner);
    return url.group(1);
  }

  @Test
  void jobsAreSubmittedFollowedListedShownAndRefusedWithTheDocumentedExitCodes()
      throws Exception {
    Process service = serve(Map.of("WORKMATE_JOBS_ECHO_AGENT", "on"));
    try {
      String url = url(service);

      Run echo = workmate(url, "submit", "--wait", "--agent", "echo", "hello jobs");
      assertEquals(0, echo.exit(), echo.err());
      assertEquals("hello jobs", echo.out().strip());
      assertTrue(echo.err().contains("succeeded"), echo.err());
      Matcher echoId = JOB_ID.matcher(echo.err());
      assertTrue(echoId.find(), echo.err());

      Run codex = workmate(url, "submit", "--wait", "--priority", "5",
          "[[chunks:3]][[reply:done by codex]]");
      assertEquals(0, codex.exit(), codex.err());
      assertEquals("done by codex", codex.out().strip());
      assertTrue(codex.err().contains("running (attempt 1/3 on codex)"), codex.err());
      assertTrue(codex.err().contains("succeeded"), codex.err());

      Run queued = workmate(url, "submit", "--agent", "echo", "no waiting");
      assertEquals(0, queued.exit(), queued.err());
      String id = queued.out().strip();
      assertTrue(JOB_ID.matcher(id).matches(), queued.out());

      Run listed = workmate(url, "jobs");
      assertEquals(0, listed.exit(), listed.err());
      assertTrue(listed.out().contains(echoId.group()) && listed.out().contains(id),
          listed.out());
      assertTrue(listed.out().startsWith("ID"), listed.out());

      Run succeeded = workmate(url, "jobs", "--status", "succeeded", "--limit", "1");
      assertEquals(0, succeeded.exit(), succeeded.err());
      assertTrue(succeeded.out().contains(echoId.group()), succeeded.out());
      assertTrue(succeeded.out().contains("more: workmate jobs --after"), succeeded.out());

      Run shown = workmate(url, "job", echoId.group());
      assertEquals(0, shown.exit(), shown.err());
      assertTrue(shown.out().contains("status: succeeded"), shown.out());
      assertTrue(shown.out().contains("agent: echo"), shown.out());
      assertTrue(shown.out().strip().endsWith("result:\nhello jobs"), shown.out());

      // a finished job leaves a summary in its agent's memory (not the no-op echo agent's),
      // and the registry lists the built-in agents
      Matcher codexId = JOB_ID.matcher(codex.err());
      assertTrue(codexId.find(), codex.err());
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      String memory = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              url + "/v1/agents/codex/memory?tag=job:" + codexId.group())).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(memory.contains("\"kind\":\"summary\"")
          && memory.contains("Job " + codexId.group() + " succeeded: done by codex"), memory);
      String echoMemory = http.send(java.net.http.HttpRequest.newBuilder(java.net.URI.create(
              url + "/v1/agents/echo/memory")).build(),
          java.net.http.HttpResponse.BodyHandlers.ofString()).body();
      assertTrue(echoMemory.contains("\"entries\":[]"), echoMemory);
      Run agents = workmate(url, "agents");
      assertEquals(0, agents.exit(), agents.err());
      assertTrue(agents.out().contains("codex") && agents.out().contains("echo"), agents.out());

      // the documented exit codes
      Run finished = workmate(url, "cancel", echoId.group());
      assertEquals(7, finished.exit(), finished.err());
      Run unknown = workmate(url, "job", "job-00000000000000000000000000000000");
      assertEquals(6, unknown.exit(), unknown.err());
      assertTrue(unknown.err().contains("no job"), unknown.err());
      Run priority = workmate(url, "submit", "--priority", "5000", "x");
      assertEquals(2, priority.exit());
      assertTrue(priority.err().contains("--priority must be within -1000..1000"),
          priority.err());
      Run attempts = workmate(url, "submit", "--max-attempts", "0", "x");
      assertEquals(2, attempts.exit());
      assertTrue(attempts.err().contains("\"maxAttempts\" must be between 1 and 100"),
          attempts.err());
      Run agent = workmate(url, "submit", "--agent", "nobody", "x");
      assertEquals(2, agent.exit());
      assertTrue(agent.err().contains("nobody"), agent.err());
      Run status = workmate(url, "jobs", "--status", "done");
      assertEquals(2, status.exit());
      assertTrue(status.err().contains("status must be one of"), status.err());
      Run notANumber = workmate(url, "jobs", "--limit", "many");
      assertEquals(2, notANumber.exit());
      Run decision = workmate(url, "approve", "approval-1", "maybe");
      assertEquals(2, decision.exit());
      assertTrue(decision.err().contains("accept, decline, cancel"), decision.err());
      Run noApproval = workmate(url, "approve", "approval-1", "accept");
      assertEquals(6, noApproval.exit(), noApproval.err());
    } finally {
      service.destroy();
      assertTrue(service.waitFor(60, TimeUnit.SECONDS), "serve stops on SIGTERM");
    }
    Run down = workmate("http://127.0.0.1:9", "jobs");
    assertEquals(4, down.exit());
    assertTrue(down.err().contains("is `workmate serve` running?"), down.err());
  }

  @Test
  void serveSaysWhyWhenTheJournalCannotBeOpened() throws Exception {
    java.nio.file.Files.writeString(tmp.resolve("not-a-dir"), "x");
    Process service = serve(Map.of("WORKMATE_JOURNAL_KIND", "postgres",
        "WORKMATE_JOURNAL_POSTGRES_URL", "jdbc:postgresql://127.0.0.1:9/workmate",
        "WORKMATE_JOURNAL_POSTGRES_PASSWORD", "pg-secret-value"));
    assertTrue(service.waitFor(120, TimeUnit.SECONDS), "serve exits");
    String err = java.nio.file.Files.readString(tmp.resolve("serve.err"));
    assertEquals(5, service.exitValue(), err);
    assertTrue(err.contains("the journal (postgres) cannot be opened"), err);
    assertFalse(err.contains("pg-secret-value"), "the password is never printed");
    assertFalse(err.contains("\tat "), "no stack trace: " + err);
  }
}
