package io.workmate.bench.codex;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one driver as a child process and measures its whole process tree: wall time from launch
 * to exit; CPU over the driver's life from this JVM's reaped-children counters (so codex
 * processes that lived between two samples still count) and CPU of the measured window from the
 * tree's counters at the driver's {@link DriverMarks}; peak memory by sampling the PSS of the
 * driver and every live descendant. Drivers run one at a time, so nothing else is reaped meanwhile.
 */
final class TreeMonitor {

  private static final int OUTPUT_TAIL_LINES = 20;

  private final Duration sampleInterval;

  TreeMonitor(Duration sampleInterval) {
    this.sampleInterval = sampleInterval;
  }

  /**
   * @param environment null to inherit this JVM's environment, else exactly these variables
   */
  Measurement run(List<String> command, Map<String, String> environment, Path directory)
      throws IOException, InterruptedException {
    ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
        .redirectError(ProcessBuilder.Redirect.INHERIT);
    if (environment != null) {
      builder.environment().clear();
      builder.environment().putAll(environment);
    }
    double cpuBefore = ProcStats.reapedChildrenCpuSeconds();
    long started = System.nanoTime();
    Process process = builder.start();
    Peak peak = new Peak();
    AtomicLong samplerCpuNanos = new AtomicLong();
    Thread sampler = startSampler(process.toHandle(), peak, samplerCpuNanos);
    Output output = readOutput(process);
    int exitCode = process.waitFor();
    long processMillis = (System.nanoTime() - started) / 1_000_000;
    sampler.interrupt();
    sampler.join();
    // waitFor returns once the JDK has reaped the child, so its tree is in the counters now
    double processCpu = ProcStats.reapedChildrenCpuSeconds() - cpuBefore;
    return new Measurement(processMillis, processCpu, output.windowCpu(),
        output.windowDriverCpu(), peak.tree, peak.shares, samplerCpuNanos.get() / 1e9, exitCode,
        output.report(), output.tail());
  }

  /**
   * Reading smaps_rollup costs about 1 ms of CPU per codex process (the kernel walks its page
   * tables), CPU the measured variants then lack; the sampler records what it used.
   */
  private Thread startSampler(ProcessHandle root, Peak peak, AtomicLong cpuNanos) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Thread sampler = new Thread(() -> {
      try {
        while (!Thread.currentThread().isInterrupted() && root.isAlive()) {
          List<ProcessShare> shares = new ArrayList<>();
          shares.add(ProcessShare.of(root));
          root.descendants().forEach(handle -> shares.add(ProcessShare.of(handle)));
          peak.offer(shares);
          cpuNanos.set(threads.getCurrentThreadCpuTime());
          Thread.sleep(sampleInterval.toMillis());
        }
      } catch (InterruptedException stopped) {
        // the driver exited
      }
    }, "pss-sampler");
    sampler.setDaemon(true);
    sampler.start();
    return sampler;
  }

  /** The largest tree PSS sampled, with each process's share in that sample (driver first). */
  private static final class Peak {
    volatile long tree;
    volatile List<ProcessShare> shares = List.of();

    /** Only the sampler thread writes; the bench reads after joining it. */
    void offer(List<ProcessShare> sample) {
      long total = sample.stream().mapToLong(ProcessShare::pssBytes).sum();
      if (total > tree) {
        tree = total;
        shares = List.copyOf(sample);
      }
    }
  }

  private record Output(Optional<DriverReport> report, double windowCpu, double windowDriverCpu,
      List<String> tail) {}

  /**
   * Reads the driver's stdout to the end: the marks (CPU read right away), the report, and the
   * last lines of anything else, shown if the driver fails.
   */
  private static Output readOutput(Process process) throws IOException {
    ProcessHandle root = process.toHandle();
    double readyCpu = Double.NaN;
    double readyDriverCpu = Double.NaN;
    double windowCpu = Double.NaN;
    double windowDriverCpu = Double.NaN;
    DriverReport report = null;
    Deque<String> tail = new ArrayDeque<>();
    try (BufferedReader out = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        if (line.equals(DriverMarks.READY)) {
          readyCpu = ProcStats.treeCpuSeconds(root);
          readyDriverCpu = ProcStats.ownCpuSeconds(root.pid());
        } else if (line.equals(DriverMarks.DONE)) {
          windowCpu = ProcStats.treeCpuSeconds(root) - readyCpu;
          windowDriverCpu = ProcStats.ownCpuSeconds(root.pid()) - readyDriverCpu;
        } else if (line.startsWith(DriverReport.PREFIX)) {
          report = DriverReport.parse(line).orElseThrow();
        } else {
          tail.addLast(line);
          if (tail.size() > OUTPUT_TAIL_LINES) {
            tail.removeFirst();
          }
        }
      }
    }
    return new Output(Optional.ofNullable(report), windowCpu, windowDriverCpu,
        List.copyOf(tail));
  }
}
