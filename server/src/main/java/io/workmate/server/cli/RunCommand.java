package io.workmate.server.cli;

import io.workmate.codex.TurnResult;
import io.workmate.protocol.codex.ApprovalPolicy;
import io.workmate.protocol.codex.SandboxMode;
import io.workmate.server.service.CodexLauncher;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code workmate run "<prompt>"}: one turn through the actors, streamed to stdout. */
@Command(name = "run", mixinStandardHelpOptions = true,
    description = "Run one Codex turn and stream the agent's text and command output to stdout.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the turn completed", "1:the turn failed or was interrupted",
        "2:invalid arguments or configuration", "3:codex is missing or rejected its setup"})
public final class RunCommand extends CommonOptions implements java.util.concurrent.Callable<Integer> {

  @Option(names = "--cwd", paramLabel = "DIR",
      description = "Working directory of the agent (default: the current directory).")
  Path cwd;

  @Option(names = "--approval", paramLabel = "POLICY",
      description = "When codex asks before acting: never | on-request | untrusted "
          + "(default: workmate.codex.approval-policy).")
  String approval;

  @Option(names = "--sandbox", paramLabel = "MODE",
      description = "read-only | workspace-write | danger-full-access "
          + "(default: workmate.codex.sandbox).")
  String sandbox;

  @Parameters(index = "0", paramLabel = "PROMPT", description = "What to ask the agent.")
  String prompt;

  @Override
  public Integer call() {
    Optional<ApprovalPolicy> policy;
    Optional<SandboxMode> mode;
    try {
      policy = Optional.ofNullable(approval).map(ApprovalPolicy::parse);
      mode = Optional.ofNullable(sandbox).map(SandboxMode::parse);
    } catch (IllegalArgumentException e) {
      return usageError(e.getMessage());
    }
    if (prompt == null || prompt.isBlank()) {
      return usageError("the prompt is empty");
    }
    Path workdir = (cwd == null ? Path.of("") : cwd).toAbsolutePath().normalize();
    if (!Files.isDirectory(workdir)) {
      return usageError("--cwd " + workdir + " is not a directory");
    }
    return withLauncher(launcher -> runTurn(launcher,
        launcher.threadSettings(workdir, policy, mode)));
  }

  private int runTurn(CodexLauncher launcher, io.workmate.codex.ThreadSettings threadSettings) {
    CompletableFuture<TurnResult> done = new CompletableFuture<>();
    ApprovalPrompter prompter = new ApprovalPrompter(Optional.ofNullable(System.console()),
        err(), threadSettings.approvals().onTimeout());
    ActorSystem<RunGuardian.Command> system = ActorSystem.create(
        RunGuardian.create(launcher.appServerSettings(), launcher.processes(), threadSettings,
            prompt, new TerminalOutput(out()), prompter, done),
        "workmate", config());
    try {
      TurnResult result = done.get();
      if (result.completed()) {
        return 0;
      }
      String what = result.outcome() == TurnResult.Outcome.INTERRUPTED ? "interrupted" : "failed";
      err().println("workmate: the turn " + what + ": "
          + result.error().orElse("no reason given").lines().findFirst().orElse(""));
      return 1;
    } catch (ExecutionException e) {
      err().println("workmate: " + e.getCause().getMessage());
      return 1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 1;
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture()
            .get(Duration.ofSeconds(20).toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        err().println("workmate: shutdown took too long: " + e);
      }
    }
  }
}
