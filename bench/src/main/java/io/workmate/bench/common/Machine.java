package io.workmate.bench.common;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The machine the figures come from, from Linux's {@code /proc}: one line about it, its load
 * average, and the CPU time counters that busy shares are taken from.
 */
public final class Machine {

  private Machine() {}

  /** One line: CPU model and count, RAM, OS, Java. */
  public static String describe() {
    return String.format(Locale.ROOT, "%s, %d CPUs, %s RAM; %s %s; Java %s (%s)",
        procField("/proc/cpuinfo", "model name").orElse("unknown CPU"),
        Runtime.getRuntime().availableProcessors(),
        procField("/proc/meminfo", "MemTotal").map(Machine::gib).orElse("?"),
        System.getProperty("os.name"), System.getProperty("os.version"),
        System.getProperty("java.version"), System.getProperty("java.vm.name"));
  }

  /** The 1, 5 and 15 minute load averages ("0.52 0.61 0.70"), or {@code unknown}. */
  public static String loadAverage(String unknown) {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException unreadable) {
      return unknown;
    }
  }

  /** {total, idle + iowait} jiffies from the first line of /proc/stat; null when unreadable. */
  public static long[] cpuTimes() {
    try {
      String[] fields = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long total = 0;
      // user nice system idle iowait irq softirq steal; guest time is already in user
      for (int i = 1; i <= Math.min(8, fields.length - 1); i++) {
        total += Long.parseLong(fields[i]);
      }
      return new long[] {total, Long.parseLong(fields[4]) + Long.parseLong(fields[5])};
    } catch (IOException | RuntimeException unreadable) {
      return null;
    }
  }

  private static Optional<String> procField(String file, String key) {
    try {
      List<String> lines = Files.readAllLines(Path.of(file));
      return lines.stream().filter(line -> line.startsWith(key))
          .map(line -> line.substring(line.indexOf(':') + 1).trim()).findFirst();
    } catch (IOException | RuntimeException unreadable) {
      return Optional.empty();
    }
  }

  /** "24576000 kB" -> "23.4 GiB". */
  private static String gib(String memTotal) {
    try {
      long kib = Long.parseLong(memTotal.replace("kB", "").trim());
      return String.format(Locale.ROOT, "%.1f GiB", kib / 1024.0 / 1024.0);
    } catch (NumberFormatException odd) {
      return memTotal;
    }
  }
}
