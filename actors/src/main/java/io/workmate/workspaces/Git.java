package io.workmate.workspaces;

import io.workmate.support.BlockingThreads;
import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Runs the real {@code git} CLI, blocking: only from actors on the blocking dispatcher. Every
 * call runs without a terminal prompt, without the user's hooks and signing, in the C locale,
 * so its output can be read.
 */
public final class Git {

  /** {@code git merge-tree --write-tree} (a merge without a working tree) came with 2.38. */
  public static final int[] MINIMUM_VERSION = {2, 38};
  static final Duration TIMEOUT = Duration.ofMinutes(2);
  private static final Pattern VERSION = Pattern.compile("git version (\\d+)\\.(\\d+)");

  /** Threads that read git's stderr while the caller reads its stdout; idle ones end. */
  private static final ExecutorService STDERR_READERS = BlockingThreads.readers("git-stderr");

  private final String binary;

  public Git(String binary) {
    this.binary = binary;
  }

  /** The output of one git run. */
  public record Result(int exitCode, String out, String err) {
    public boolean ok() {
      return exitCode == 0;
    }

    /** The first line of stderr (else stdout): what git said went wrong. */
    public String reason() {
      String text = err.isBlank() ? out : err;
      return text.strip().lines().filter(line -> !line.isBlank()).reduce((a, b) -> a + "; " + b)
          .orElse("git exited with " + exitCode);
    }
  }

  /** A git run that failed, with what git said. */
  public static final class GitException extends RuntimeException {
    public GitException(String message) {
      super(message);
    }
  }

  /** Runs {@code git -C dir args...}. */
  public Result run(Path dir, String... args) {
    return run(dir, Map.of(), args);
  }

  /** As {@link #run(Path, String...)}, with {@code env} set for git (e.g. its index file). */
  public Result run(Path dir, Map<String, String> env, String... args) {
    List<String> command = new ArrayList<>(List.of(binary, "-c", "core.hooksPath=/dev/null",
        "-c", "commit.gpgsign=false", "-c", "core.quotepath=off", "-C", dir.toString()));
    command.addAll(List.of(args));
    return exec(command, env);
  }

  /** As {@link #run}, failing with git's reason unless it exits 0. */
  public String check(Path dir, String... args) {
    Result result = run(dir, args);
    if (!result.ok()) {
      throw new GitException("git " + String.join(" ", args) + ": " + result.reason());
    }
    return result.out();
  }

  /**
   * The version of the binary, checked against {@link #MINIMUM_VERSION}; a missing binary or an
   * old one is an {@link GitException} saying what to install.
   */
  public String checkVersion() {
    Result result;
    try {
      result = exec(List.of(binary, "--version"), Map.of());
    } catch (UncheckedIOException notThere) {
      throw new GitException("git is needed for job workspaces and was not found ('" + binary
          + "': " + notThere.getCause().getMessage() + "); install git " + MINIMUM_VERSION[0]
          + "." + MINIMUM_VERSION[1] + " or newer (Debian: apt-get install git)");
    }
    Matcher matcher = VERSION.matcher(result.out());
    if (!result.ok() || !matcher.find()) {
      throw new GitException("'" + binary + " --version' did not name a git version: "
          + result.reason());
    }
    int major = Integer.parseInt(matcher.group(1));
    int minor = Integer.parseInt(matcher.group(2));
    if (major < MINIMUM_VERSION[0] || (major == MINIMUM_VERSION[0] && minor < MINIMUM_VERSION[1])) {
      throw new GitException("git " + major + "." + minor + " is too old for job workspaces; "
          + "install git " + MINIMUM_VERSION[0] + "." + MINIMUM_VERSION[1] + " or newer");
    }
    return major + "." + minor;
  }

  private static Result exec(List<String> command, Map<String, String> extraEnv) {
    ProcessBuilder builder = new ProcessBuilder(command);
    Map<String, String> env = builder.environment();
    env.put("GIT_TERMINAL_PROMPT", "0");
    env.put("LC_ALL", "C");
    env.remove("GIT_DIR");
    env.remove("GIT_WORK_TREE");
    env.remove("GIT_INDEX_FILE");
    env.putAll(extraEnv);
    builder.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
    Process process = null;
    try {
      process = builder.start();
      // stderr is read beside stdout: git writes little there, but a pipe left unread while
      // stdout is read could fill up and stall it (a pipe, not a file: no file to make and
      // delete per call on a slow disk)
      InputStream stderr = process.getErrorStream();
      CompletableFuture<String> err = CompletableFuture.supplyAsync(() -> readAll(stderr),
          STDERR_READERS);
      String out = readAll(process.getInputStream());
      if (!process.waitFor(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new GitException("git " + String.join(" ", command.subList(1, command.size()))
            + " did not end within " + TIMEOUT.toSeconds() + " s");
      }
      return new Result(process.exitValue(), out, err.join());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GitException("interrupted while git ran");
    } finally {
      if (process != null && process.isAlive()) {
        process.destroyForcibly();
      }
    }
  }

  private static String readAll(InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "";
    }
  }
}
