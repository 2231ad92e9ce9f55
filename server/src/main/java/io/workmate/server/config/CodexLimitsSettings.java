package io.workmate.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValueType;
import io.workmate.codex.CommandLimits;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code workmate.codex.limits}: per Workmate agent id, limits on the commands its Codex runs,
 * e.g. {@code codex { cpu-time = 5s, address-space = 512MiB, open-files = 256, nice = 10 }}.
 * Every problem names its key, so {@code serve} can list them all and exit 2.
 */
public final class CodexLimitsSettings {

  public static final String PATH = "workmate.codex.limits";
  private static final Set<String> KEYS = Set.of("cpu-time", "address-space", "open-files",
      "nice");
  /** Below this a shell cannot start, so the agent could run nothing at all. */
  static final long MIN_ADDRESS_SPACE = 16L << 20;

  /** The limits by agent id, and what was wrong. */
  public record Parsed(Map<String, CommandLimits> limits, List<String> problems) {}

  private CodexLimitsSettings() {}

  public static Parsed parse(Config config) {
    Map<String, CommandLimits> limits = new LinkedHashMap<>();
    List<String> problems = new ArrayList<>();
    if (!config.hasPath(PATH)) {
      return new Parsed(limits, problems);
    }
    ConfigObject agents;
    try {
      agents = config.getObject(PATH);
    } catch (ConfigException e) {
      problems.add(PATH + " must be an object of agent ids, such as "
          + "{ codex { cpu-time = 5s } }");
      return new Parsed(limits, problems);
    }
    for (String agent : new TreeSet<>(agents.keySet())) {
      String prefix = PATH + "." + agent;
      if (agents.get(agent).valueType() != ConfigValueType.OBJECT) {
        problems.add(prefix + " must be an object such as { cpu-time = 5s, address-space = "
            + "512MiB, open-files = 256, nice = 10 }");
        continue;
      }
      Config entry = ((ConfigObject) agents.get(agent)).toConfig();
      int before = problems.size();
      CommandLimits parsed = agentLimits(entry, prefix, problems);
      if (problems.size() == before) {
        limits.put(agent, parsed);
      }
    }
    return new Parsed(Map.copyOf(limits), problems);
  }

  private static CommandLimits agentLimits(Config entry, String prefix, List<String> problems) {
    CommandLimits limits = CommandLimits.none();
    for (String key : new TreeSet<>(entry.root().keySet())) {
      if (!KEYS.contains(key)) {
        problems.add(prefix + "." + key + " is not a limit; use cpu-time, address-space, "
            + "open-files or nice");
      }
    }
    if (entry.hasPath("cpu-time")) {
      Duration cpu = duration(entry, "cpu-time", prefix, problems);
      if (cpu != null) {
        if (cpu.compareTo(Duration.ofSeconds(1)) < 0) {
          problems.add(prefix + ".cpu-time must be at least 1s (RLIMIT_CPU counts seconds), got "
              + entry.getValue("cpu-time").unwrapped());
        } else {
          limits = limits.withCpuTime(cpu);
        }
      }
    }
    if (entry.hasPath("address-space")) {
      Long bytes = size(entry, "address-space", prefix, problems);
      if (bytes != null) {
        if (bytes < MIN_ADDRESS_SPACE) {
          problems.add(prefix + ".address-space must be at least 16MiB, got "
              + entry.getValue("address-space").unwrapped());
        } else {
          limits = limits.withAddressSpace(bytes);
        }
      }
    }
    if (entry.hasPath("open-files")) {
      Integer files = integer(entry, "open-files", prefix, 16, 1 << 20, problems);
      if (files != null) {
        limits = limits.withOpenFiles(files);
      }
    }
    if (entry.hasPath("nice")) {
      Integer nice = integer(entry, "nice", prefix, 0, 19, problems);
      if (nice != null) {
        limits = limits.withNice(nice);
      }
    }
    return limits;
  }

  private static Duration duration(Config entry, String key, String prefix,
      List<String> problems) {
    try {
      return entry.getDuration(key);
    } catch (ConfigException e) {
      problems.add(prefix + "." + key + " must be a duration such as 5s or 2m, got '"
          + entry.getValue(key).unwrapped() + "'");
      return null;
    }
  }

  private static Long size(Config entry, String key, String prefix, List<String> problems) {
    try {
      return entry.getBytes(key);
    } catch (ConfigException e) {
      problems.add(prefix + "." + key + " must be a size such as 512MiB or 2GiB, got '"
          + entry.getValue(key).unwrapped() + "'");
      return null;
    }
  }

  private static Integer integer(Config entry, String key, String prefix, int min, int max,
      List<String> problems) {
    try {
      int value = entry.getInt(key);
      if (value >= min && value <= max) {
        return value;
      }
    } catch (ConfigException e) {
      // reported below with the range
    }
    problems.add(prefix + "." + key + " must be a whole number within " + min + ".." + max
        + ", got '" + entry.getValue(key).unwrapped() + "'");
    return null;
  }
}
