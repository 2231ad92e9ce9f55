package io.workmate.bench.cluster;

import io.workmate.bench.common.Machine;
import java.util.List;
import java.util.function.LongSupplier;

/**
 * Who used the machine's CPUs over a window, in cores on average: the nodes' JVMs, the
 * PostgreSQL server, this bench (the load generator), and the rest, which is everything else
 * on the machine (other work on a shared box shows there). From Linux's {@code /proc}.
 */
final class CpuShares {

  /** A window's reading; NaN where a counter was unreadable. */
  record Reading(double nodes, double database, double bench, double others, double busy) {}

  private final List<LongSupplier> parties;
  private final long[] start;
  private final long[] machineStart;
  private final long startNanos = System.nanoTime();

  private CpuShares(List<LongSupplier> parties) {
    this.parties = parties;
    this.start = ticks();
    this.machineStart = Machine.cpuTimes();
  }

  /** Starts a window now for the nodes and the database of {@code cluster}. */
  static CpuShares start(LocalCluster cluster) {
    long bench = ProcessHandle.current().pid();
    return new CpuShares(List.of(cluster::cpuTicks, cluster::databaseCpuTicks,
        () -> ProcessMemory.cpuTicks(bench)));
  }

  Reading read() {
    long[] end = ticks();
    long[] machineEnd = Machine.cpuTimes();
    double seconds = (System.nanoTime() - startNanos) / 1e9;
    double busy = Double.NaN;
    if (machineStart != null && machineEnd != null && machineEnd[0] > machineStart[0]) {
      long total = machineEnd[0] - machineStart[0];
      // jiffies of all CPUs: the busy share times the CPU count is the cores used
      busy = (double) (total - (machineEnd[1] - machineStart[1])) / total
          * Runtime.getRuntime().availableProcessors();
    }
    double[] cores = new double[end.length];
    for (int n = 0; n < end.length; n++) {
      cores[n] = start[n] < 0 || end[n] < 0 ? Double.NaN
          : (end[n] - start[n]) / ProcessMemory.TICKS / seconds;
    }
    return new Reading(cores[0], cores[1], cores[2], busy - cores[0] - cores[1] - cores[2],
        busy);
  }

  private long[] ticks() {
    return parties.stream().mapToLong(LongSupplier::getAsLong).toArray();
  }
}
