package io.workmate.bench.service;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/** One line about the machine the figures come from, and its load average now. */
final class Machine {

  private Machine() {}

  static String describe() {
    return String.format(Locale.ROOT, "%s, %d CPUs, %s RAM; %s %s; Java %s (%s)",
        procField("/proc/cpuinfo", "model name").orElse("unknown CPU"),
        Runtime.getRuntime().availableProcessors(),
        procField("/proc/meminfo", "MemTotal").map(Machine::gib).orElse("?"),
        System.getProperty("os.name"), System.getProperty("os.version"),
        System.getProperty("java.version"), System.getProperty("java.vm.name"));
  }

  static String loadAverage() {
    try {
      String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return "load average " + fields[0] + " " + fields[1] + " " + fields[2];
    } catch (IOException | RuntimeException unreadable) {
      return "load average unknown";
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
