package io.workmate.nativeos;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The fields of {@code /proc/<pid>/stat} that process supervision needs.
 *
 * @param state one letter: R running, S sleeping, D disk sleep, Z zombie, T stopped, ...
 * @param startTime when the process started, in clock ticks since boot; with the pid it names
 *     a process uniquely within one boot, which a pid alone does not once pids are reused
 */
public record ProcStat(
    long pid, char state, long parentPid, long processGroup, long session, long startTime) {

  /** Cached sysconf(_SC_CLK_TCK); 0 until first asked. A race only asks twice. */
  private static volatile long clockTicks;

  /** Fields after the command name: state is field 3 of stat(5), starttime field 22. */
  private static final int STATE = 0;
  private static final int PARENT_PID = 1;
  private static final int PROCESS_GROUP = 2;
  private static final int SESSION = 3;
  private static final int START_TIME = 19;

  /** True for a zombie: it has exited and only waits for its parent to reap it. */
  public boolean isZombie() {
    return state == 'Z';
  }

  /** The process as it is now; empty when it does not exist or /proc cannot be read. */
  public static Optional<ProcStat> read(long pid) {
    if (pid <= 0) {
      return Optional.empty();
    }
    try {
      return parse(Files.readString(Path.of("/proc", Long.toString(pid), "stat")));
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  /** Every process whose stat is readable now; processes that exit while we look are skipped. */
  public static List<ProcStat> all() {
    List<ProcStat> processes = new ArrayList<>();
    try (DirectoryStream<Path> proc = Files.newDirectoryStream(Path.of("/proc"))) {
      for (Path entry : proc) {
        String name = entry.getFileName().toString();
        if (!name.isEmpty() && name.chars().allMatch(Character::isDigit)) {
          read(Long.parseLong(name)).ifPresent(processes::add);
        }
      }
    } catch (IOException | RuntimeException e) {
      // no /proc: not Linux, nothing to list
    }
    return processes;
  }

  /** The processes whose parent is {@code pid}, zombies included. */
  public static List<ProcStat> childrenOf(long pid) {
    return all().stream().filter(process -> process.parentPid == pid).toList();
  }

  /** How long ago {@code process} started; empty when the clock cannot be read. */
  static Optional<Duration> age(ProcStat process) {
    try {
      String uptime = Files.readString(Path.of("/proc/uptime"));
      double secondsSinceBoot = Double.parseDouble(uptime.substring(0, uptime.indexOf(' ')));
      double startedSecondsAfterBoot = (double) process.startTime / clockTicksPerSecond();
      long ageMillis = Math.round((secondsSinceBoot - startedSecondsAfterBoot) * 1000);
      return Optional.of(Duration.ofMillis(Math.max(0, ageMillis)));
    } catch (IOException | RuntimeException | LinkageError e) {
      return Optional.empty();
    }
  }

  /** sysconf(_SC_CLK_TCK): the unit of {@link #startTime}, 100 on nearly every Linux. */
  private static long clockTicksPerSecond() {
    long ticks = clockTicks;
    if (ticks <= 0) {
      ticks = LibC.INSTANCE.sysconf(LibC.SC_CLK_TCK).longValue();
      clockTicks = ticks > 0 ? ticks : 100;
    }
    return clockTicks;
  }

  /**
   * Parses one stat line. The command name (field 2) is in parentheses and may itself contain
   * spaces and parentheses, so the fixed fields are counted from the last ')'.
   */
  static Optional<ProcStat> parse(String line) {
    int open = line.indexOf(" (");
    int close = line.lastIndexOf(')');
    if (open <= 0 || close < open) {
      return Optional.empty();
    }
    String[] fields = line.substring(close + 1).trim().split(" +");
    if (fields.length <= START_TIME || fields[STATE].length() != 1) {
      return Optional.empty();
    }
    try {
      return Optional.of(new ProcStat(
          Long.parseLong(line.substring(0, open).trim()),
          fields[STATE].charAt(0),
          Long.parseLong(fields[PARENT_PID]),
          Long.parseLong(fields[PROCESS_GROUP]),
          Long.parseLong(fields[SESSION]),
          Long.parseLong(fields[START_TIME])));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }
}
