package io.workmate.codex.config;

import io.workmate.support.BlockingThreads;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs a short-lived Codex command to completion. stdout and stderr are drained on threads of
 * their own ({@link BlockingThreads#start}) so a chatty process can never block on a full pipe,
 * and a process that overruns its timeout is killed together with its children. Blocking: called
 * at start-up, before any actor runs, or off the actor threads.
 */
final class CodexProcess {

  /** Enough for any startup report or version string; more is drained but dropped. */
  private static final int MAX_CAPTURED_BYTES = 1 << 20;

  /** After the process is gone its pipes close at once, unless a grandchild still holds them. */
  private static final Duration DRAIN_GRACE = Duration.ofSeconds(5);

  record Result(int exitCode, String stdout, String stderr) {}

  private CodexProcess() {}

  /**
   * @param environment the complete environment of the child, or {@code null} to inherit ours
   * @throws CodexProcessException if the command cannot start, is interrupted or times out
   */
  static Result run(List<String> command, Map<String, String> environment, Duration timeout) {
    Process process = start(command, environment);
    FutureTask<String> stdout = drain(process.getInputStream(), "codex-stdout");
    FutureTask<String> stderr = drain(process.getErrorStream(), "codex-stderr");
    try {
      if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        kill(process);
        throw new CodexProcessException(
            "'"
                + String.join(" ", command)
                + "' did not finish within "
                + timeout
                + " and was killed");
      }
      return new Result(process.exitValue(), collect(stdout), collect(stderr));
    } catch (InterruptedException e) {
      kill(process);
      Thread.currentThread().interrupt();
      throw new CodexProcessException("interrupted while waiting for '" + command.get(0) + "'", e);
    }
  }

  private static Process start(List<String> command, Map<String, String> environment) {
    ProcessBuilder builder = new ProcessBuilder(command);
    if (environment != null) {
      builder.environment().clear();
      builder.environment().putAll(environment);
    }
    try {
      Process process = builder.start();
      process.getOutputStream().close(); // nothing to say; EOF tells a reader to stop waiting
      return process;
    } catch (IOException e) {
      throw new CodexProcessException(
          "could not start '" + command.get(0) + "': " + e.getMessage(), e);
    }
  }

  private static FutureTask<String> drain(InputStream stream, String threadName) {
    FutureTask<String> task = new FutureTask<>(() -> readCapped(stream));
    BlockingThreads.start(threadName, task);
    return task;
  }

  private static String readCapped(InputStream stream) {
    try (stream) {
      byte[] kept = stream.readNBytes(MAX_CAPTURED_BYTES);
      stream.transferTo(OutputStream.nullOutputStream());
      return new String(kept, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String collect(FutureTask<String> output) throws InterruptedException {
    try {
      return output.get(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new CodexProcessException("could not read Codex output: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      output.cancel(true);
      throw new CodexProcessException(
          "Codex exited but its output stayed open for "
              + DRAIN_GRACE
              + " (held by a child process?)");
    }
  }

  private static void kill(Process process) {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
    try {
      process.waitFor(DRAIN_GRACE.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
