package io.workmate.bench.codex;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** The few /proc readings the bench needs (Linux only). */
final class ProcStats {

  /** Linux reports /proc CPU times in USER_HZ ticks, 100 per second on every mainstream build. */
  private static final double TICKS_PER_SECOND = 100.0;

  private ProcStats() {}

  /**
   * CPU seconds (user + system) of this JVM's children that have exited and been reaped, plus
   * everything they reaped in turn ({@code cutime + cstime}). The difference across one child's
   * life is the CPU of its whole tree, including processes that came and went between samples.
   */
  static double reapedChildrenCpuSeconds() {
    String[] fields = statFieldsAfterName(Path.of("/proc/self/stat"));
    // fields[0] is field 3 (state) of proc(5); cutime and cstime are fields 16 and 17
    long ticks = Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    return ticks / TICKS_PER_SECOND;
  }

  /**
   * CPU seconds the live tree under {@code root} has used so far: each process's own time plus
   * what it reaped from its exited children ({@code utime + stime + cutime + cstime}). A
   * difference of two readings is the tree's CPU in between, as long as every process that
   * exited was reaped inside the tree (codex, node and the JDK all wait for their children).
   */
  static double treeCpuSeconds(ProcessHandle root) {
    long ticks = cpuTicks(root.pid())
        + root.descendants().mapToLong(handle -> cpuTicks(handle.pid())).sum();
    return ticks / TICKS_PER_SECOND;
  }

  /** CPU seconds of one process itself (all its threads), without its children. */
  static double ownCpuSeconds(long pid) {
    try {
      String[] fields = statFieldsAfterName(Path.of("/proc", Long.toString(pid), "stat"));
      return (Long.parseLong(fields[11]) + Long.parseLong(fields[12])) / TICKS_PER_SECOND;
    } catch (RuntimeException gone) {
      return Double.NaN;
    }
  }

  private static long cpuTicks(long pid) {
    try {
      String[] fields = statFieldsAfterName(Path.of("/proc", Long.toString(pid), "stat"));
      // utime, stime, cutime, cstime = fields 14-17 of proc(5)
      return Long.parseLong(fields[11]) + Long.parseLong(fields[12])
          + Long.parseLong(fields[13]) + Long.parseLong(fields[14]);
    } catch (RuntimeException gone) {
      return 0;
    }
  }

  /**
   * Proportional set size of one process in bytes: its private pages plus its share of pages it
   * maps together with others, so summing over a process tree counts each page once. 0 when the
   * process is gone or unreadable.
   */
  static long pssBytes(long pid) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid), "smaps_rollup"));
      for (String line : lines) {
        if (line.startsWith("Pss:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
      return 0;
    } catch (IOException | RuntimeException gone) {
      return 0;
    }
  }

  /** A line describing this machine for the report. */
  static String machine() {
    return cpuModel() + ", " + Runtime.getRuntime().availableProcessors() + " CPUs, "
        + memTotalGib() + " GiB RAM, Linux " + read("/proc/sys/kernel/osrelease").strip();
  }

  private static String[] statFieldsAfterName(Path stat) {
    String text = read(stat.toString());
    // the command name (field 2) is in parentheses and may itself contain spaces or ')'
    return text.substring(text.lastIndexOf(')') + 2).trim().split("\\s+");
  }

  private static String cpuModel() {
    return read("/proc/cpuinfo").lines().filter(line -> line.startsWith("model name"))
        .map(line -> line.substring(line.indexOf(':') + 1).strip()).findFirst()
        .orElse("unknown CPU");
  }

  private static String memTotalGib() {
    return read("/proc/meminfo").lines().filter(line -> line.startsWith("MemTotal:"))
        .map(line -> Long.parseLong(line.replaceAll("[^0-9]", "")))
        .map(kb -> String.format("%.1f", kb / 1024.0 / 1024.0)).findFirst().orElse("?");
  }

  private static String read(String file) {
    try {
      return Files.readString(Path.of(file));
    } catch (IOException e) {
      return "";
    }
  }
}
