package io.workmate.bench.service;

import io.workmate.bench.common.Machine;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * CPU use over a window, from Linux's {@code /proc}: how busy all CPUs were, and the CPU time of
 * the service's JVM, of the processes under it (codex app-servers and what they run) and of this
 * bench (the load generator). Says whether a window was idle or loaded and who had the CPUs.
 * NaN off Linux.
 */
final class CpuMeter {

  /** Clock ticks per second of {@code /proc}'s counters (USER_HZ, 100 on Linux). */
  private static final double TICKS = 100.0;

  private final long service;
  private final long[] machineStart;
  private final long serviceStart;
  private final Map<Long, Long> childrenStart;
  private final long benchStart;
  private final long startNanos = System.nanoTime();

  private CpuMeter(long service) {
    this.service = service;
    this.machineStart = Machine.cpuTimes();
    this.serviceStart = process(service);
    this.childrenStart = children(service);
    this.benchStart = process(ProcessHandle.current().pid());
  }

  /** Starts a window now, for the service whose JVM has pid {@code service}. */
  static CpuMeter start(long service) {
    return new CpuMeter(service);
  }

  /** The window from the start until now. */
  Reading read() {
    long[] machine = Machine.cpuTimes();
    double busy = Double.NaN;
    if (machine != null && machineStart != null && machine[0] > machineStart[0]) {
      long total = machine[0] - machineStart[0];
      busy = 100.0 * (total - (machine[1] - machineStart[1])) / total;
    }
    // a child that started in the window counts from zero; one that ended in it is lost
    long childTicks = 0;
    for (Map.Entry<Long, Long> child : children(service).entrySet()) {
      childTicks += child.getValue() - childrenStart.getOrDefault(child.getKey(), 0L);
    }
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    return new Reading(busy, cores(serviceStart, process(service), seconds),
        childTicks / TICKS / seconds,
        cores(benchStart, process(ProcessHandle.current().pid()), seconds));
  }

  /** All CPUs' busy share, and the cores each party used on average. */
  record Reading(double busyPercent, double serviceCores, double codexCores, double benchCores) {}

  private static double cores(long startTicks, long endTicks, double seconds) {
    return startTicks < 0 || endTicks < 0 ? Double.NaN : (endTicks - startTicks) / TICKS / seconds;
  }

  private static Map<Long, Long> children(long pid) {
    Map<Long, Long> ticks = new HashMap<>();
    ProcessHandle.of(pid).ifPresent(handle -> handle.descendants().forEach(child -> {
      long used = ticks(child.pid(), true);
      if (used >= 0) {
        ticks.put(child.pid(), used);
      }
    }));
    return ticks;
  }

  /** utime + stime of the process in ticks, -1 when unreadable. */
  private static long process(long pid) {
    return ticks(pid, false);
  }

  /**
   * utime + stime of the process in ticks, with {@code reaped} also those of the children it
   * has waited for (a command codex ran), -1 when unreadable.
   */
  private static long ticks(long pid, boolean reaped) {
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
