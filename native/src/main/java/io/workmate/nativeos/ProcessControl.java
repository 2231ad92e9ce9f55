package io.workmate.nativeos;

import com.sun.jna.Native;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Process-group signals and a last-resort sweep for processes that escaped their group.
 *
 * <p>Children that Workmate supervises are started through {@code setsid}, so each one leads its
 * own process group and a signal to the group reaches the shells and tools it spawned. Processes
 * that start their own session (a PTY, a sandbox) leave the group; they still inherit an
 * environment marker, which {@link #findByEnvironment} finds by reading {@code /proc}.
 */
public final class ProcessControl {

  private static final int ESRCH = Errno.ESRCH;

  private static final boolean SUPPORTED =
      System.getProperty("os.name", "").toLowerCase().contains("linux")
          && Files.isDirectory(Path.of("/proc/self"));

  private ProcessControl() {}

  /** True when this platform supports the calls (Linux with a readable /proc). */
  public static boolean isSupported() {
    return SUPPORTED;
  }

  /** Sends {@code signal} to every process in the group; false if the group no longer exists. */
  public static boolean signalGroup(long processGroupId, Signal signal) {
    requirePositive(processGroupId);
    int result = LibC.INSTANCE.kill(-(int) processGroupId, signal.number());
    if (result == 0) {
      return true;
    }
    int errno = Native.getLastError();
    if (errno == ESRCH) {
      return false;
    }
    throw new IllegalStateException(
        "kill(-" + processGroupId + ", " + signal + ") failed: " + Errno.describe(errno));
  }

  /** Sends {@code signal} to one process; false if it no longer exists. */
  public static boolean signal(long pid, Signal signal) {
    requirePositive(pid);
    int result = LibC.INSTANCE.kill((int) pid, signal.number());
    if (result == 0) {
      return true;
    }
    int errno = Native.getLastError();
    if (errno == ESRCH) {
      return false;
    }
    throw new IllegalStateException(
        "kill(" + pid + ", " + signal + ") failed: " + Errno.describe(errno));
  }

  /** The process group of {@code pid}, empty when the process is gone. */
  public static Optional<Long> processGroupOf(long pid) {
    requirePositive(pid);
    int group = LibC.INSTANCE.getpgid((int) pid);
    return group < 0 ? Optional.empty() : Optional.of((long) group);
  }

  /**
   * Live processes whose environment contains {@code name=value}. Processes we may not read
   * (other users) and processes that exit while we look are skipped.
   */
  public static List<Long> findByEnvironment(String name, String value) {
    byte[] needle = (name + "=" + value).getBytes(StandardCharsets.UTF_8);
    List<Long> found = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path entry : proc) {
        String fileName = entry.getFileName().toString();
        if (!fileName.chars().allMatch(Character::isDigit)) {
          continue;
        }
        if (environmentContains(entry.resolve("environ"), needle)) {
          found.add(Long.parseLong(fileName));
        }
      }
    } catch (IOException e) {
      throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
    }
    return found;
  }

  /**
   * Kills (SIGKILL) every live process that carries the marker, except this JVM. Returns how
   * many were signalled.
   */
  public static int killByEnvironment(String name, String value) {
    long self = ProcessHandle.current().pid();
    int killed = 0;
    for (long pid : findByEnvironment(name, value)) {
      if (pid != self && signal(pid, Signal.SIGKILL)) {
        killed++;
      }
    }
    return killed;
  }

  /**
   * The value of variable {@code name} in the environment {@code pid} started with; empty when
   * it has none, or its environment cannot be read (gone, a zombie, another user's).
   */
  public static Optional<String> environmentVariable(long pid, String name) {
    byte[] environment;
    try {
      environment = Files.readAllBytes(Path.of("/proc", Long.toString(pid), "environ"));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
    byte[] prefix = (name + "=").getBytes(StandardCharsets.UTF_8);
    int start = 0;
    for (int i = 0; i <= environment.length; i++) {
      if (i == environment.length || environment[i] == 0) {
        if (i - start >= prefix.length && regionEquals(environment, start, prefix)) {
          return Optional.of(new String(environment, start + prefix.length,
              i - start - prefix.length, StandardCharsets.UTF_8));
        }
        start = i + 1;
      }
    }
    return Optional.empty();
  }

  private static boolean environmentContains(Path environ, byte[] needle) {
    byte[] environment;
    try {
      environment = Files.readAllBytes(environ);
    } catch (IOException | SecurityException e) {
      return false;
    }
    // entries are NUL-separated; match whole entries only
    int start = 0;
    for (int i = 0; i <= environment.length; i++) {
      if (i == environment.length || environment[i] == 0) {
        if (i - start == needle.length && regionEquals(environment, start, needle)) {
          return true;
        }
        start = i + 1;
      }
    }
    return false;
  }

  private static boolean regionEquals(byte[] haystack, int offset, byte[] needle) {
    for (int j = 0; j < needle.length; j++) {
      if (haystack[offset + j] != needle[j]) {
        return false;
      }
    }
    return true;
  }

  private static void requirePositive(long pid) {
    if (pid <= 1) {
      throw new IllegalArgumentException("refusing to signal pid/group " + pid);
    }
  }
}
