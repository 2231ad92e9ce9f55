package io.workmate.bench.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/**
 * Memory and CPU of a node's process tree from Linux's {@code /proc}. PSS (proportional set
 * size) splits a page shared by several processes among them, so the sum over the JVMs of a
 * cluster counts the JDK's shared files once, where summed RSS would count them per node.
 */
final class ProcessMemory {

  /** Clock ticks per second of {@code /proc}'s counters (USER_HZ, 100 on Linux). */
  static final double TICKS = 100.0;

  private ProcessMemory() {}

  /** PSS of {@code pid} and every process under it, in bytes; 0 for what is gone. */
  static long treePssBytes(long pid) {
    return ProcessHandle.of(pid).map(root -> Stream.concat(Stream.of(root), root.descendants())
        .mapToLong(process -> pssBytes(process.pid())).sum()).orElse(0L);
  }

  /** PSS of {@code pid} alone, in bytes; 0 when it is gone. */
  static long pssBytes(long pid) {
    try {
      List<String> lines = Files.readAllLines(Path.of("/proc", Long.toString(pid),
          "smaps_rollup"));
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

  /** utime + stime of {@code pid} in ticks; -1 when unreadable. */
  static long cpuTicks(long pid) {
    return cpuTicks(pid, false);
  }

  /**
   * utime + stime of {@code pid} in ticks, with {@code reaped} also those of the children it
   * has waited for; -1 when unreadable.
   */
  static long cpuTicks(long pid, boolean reaped) {
    try {
      String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
      // the command name may hold spaces: the fields after it start past the last ')'
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).trim().split("\\s+");
      long own = Long.parseLong(fields[11]) + Long.parseLong(fields[12]);
      return reaped ? own + Long.parseLong(fields[13]) + Long.parseLong(fields[14]) : own;
    } catch (IOException | RuntimeException unreadable) {
      return -1;
    }
  }
}
