package io.workmate.codex;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.OptionalLong;

/**
 * Limits on the commands one agent's Codex runs ({@code workmate.codex.limits.<agent>}). They are
 * set by the shell: every command runs in a bash that reads the profile {@link #profile} writes
 * (see {@link LimitedHome}), so they bind the commands and never the app-server itself (whose
 * own CPU time would count against RLIMIT_CPU). Soft and hard limits are both set, so an
 * unprivileged command cannot raise them; the hard CPU limit is one second above the soft one,
 * so a command gets SIGXCPU (exit 152) first and SIGKILL only if it ignores that.
 *
 * @param cpuTime RLIMIT_CPU, whole seconds (rounded up)
 * @param addressSpace RLIMIT_AS in bytes (the shell sets KiB)
 * @param openFiles RLIMIT_NOFILE
 * @param nice the nice level of the agent's app-servers and so of everything they run (0..19)
 */
public record CommandLimits(Optional<Duration> cpuTime, OptionalLong addressSpace,
    OptionalInt openFiles, OptionalInt nice) {

  public static final int SIGXCPU_EXIT = 128 + 24;
  public static final int SIGKILL_EXIT = 128 + 9;

  public CommandLimits {
    cpuTime.ifPresent(cpu -> {
      if (cpu.isNegative() || cpu.isZero()) {
        throw new IllegalArgumentException("cpu-time must be positive, got " + cpu);
      }
    });
    if (addressSpace.isPresent() && addressSpace.getAsLong() < 1024) {
      throw new IllegalArgumentException("address-space must be at least 1 KiB");
    }
    if (openFiles.isPresent() && openFiles.getAsInt() < 1) {
      throw new IllegalArgumentException("open-files must be at least 1");
    }
    if (nice.isPresent() && (nice.getAsInt() < 0 || nice.getAsInt() > 19)) {
      throw new IllegalArgumentException("nice must be within 0..19, got " + nice.getAsInt());
    }
  }

  public static CommandLimits none() {
    return new CommandLimits(Optional.empty(), OptionalLong.empty(), OptionalInt.empty(),
        OptionalInt.empty());
  }

  public CommandLimits withCpuTime(Duration cpu) {
    return new CommandLimits(Optional.of(cpu), addressSpace, openFiles, nice);
  }

  public CommandLimits withAddressSpace(long bytes) {
    return new CommandLimits(cpuTime, OptionalLong.of(bytes), openFiles, nice);
  }

  public CommandLimits withOpenFiles(int files) {
    return new CommandLimits(cpuTime, addressSpace, OptionalInt.of(files), nice);
  }

  public CommandLimits withNice(int level) {
    return new CommandLimits(cpuTime, addressSpace, openFiles, OptionalInt.of(level));
  }

  /** RLIMIT_CPU counts whole seconds. */
  public OptionalLong cpuSeconds() {
    return cpuTime.map(cpu -> OptionalLong.of((cpu.toMillis() + 999) / 1000))
        .orElse(OptionalLong.empty());
  }

  /**
   * The shell lines that apply the limits. Sourcing them again (a nested bash) sets the same
   * values, which is allowed; errors are silent so a limit a command lowered further stays.
   */
  public String profile() {
    List<String> lines = new ArrayList<>();
    cpuSeconds().ifPresent(seconds -> lines.add("ulimit -t " + (seconds + 1)
        + " 2>/dev/null; ulimit -S -t " + seconds + " 2>/dev/null"));
    addressSpace.ifPresent(bytes -> lines.add("ulimit -v " + Math.max(1, bytes / 1024)
        + " 2>/dev/null"));
    openFiles.ifPresent(files -> lines.add("ulimit -n " + files + " 2>/dev/null"));
    return String.join("\n", lines) + "\n";
  }

  /** E.g. {@code cpu-time 5 s, address-space 512 MiB}. */
  public String describe() {
    List<String> parts = new ArrayList<>();
    cpuSeconds().ifPresent(seconds -> parts.add("cpu-time " + seconds + " s"));
    addressSpace.ifPresent(bytes -> parts.add("address-space " + size(bytes)));
    openFiles.ifPresent(files -> parts.add("open-files " + files));
    nice.ifPresent(level -> parts.add("nice " + level));
    return parts.isEmpty() ? "none" : String.join(", ", parts);
  }

  /** Bytes as the largest binary unit that divides them, e.g. {@code 512 MiB}. */
  static String size(long bytes) {
    String[] units = {"B", "KiB", "MiB", "GiB", "TiB"};
    long value = bytes;
    int unit = 0;
    while (unit < units.length - 1 && value % 1024 == 0 && value >= 1024) {
      value /= 1024;
      unit++;
    }
    return value + " " + units[unit];
  }
}
