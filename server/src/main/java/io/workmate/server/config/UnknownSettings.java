package io.workmate.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import com.typesafe.config.ConfigValue;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Finds {@code workmate.*} keys that no setting has: a typo in a config file
 * ({@code workmate.jobs.max-concurent}) would otherwise be ignored without a word and the
 * default used. The known keys are those of the shipped defaults ({@code application.conf} and
 * the modules' {@code reference.conf}); under a key whose default is an empty object (an open
 * map such as {@code workmate.codex.limits}) every key is accepted and checked where it is read.
 */
final class UnknownSettings {

  /** Set by the launch scripts as a system property (the install root), not a setting. */
  private static final Set<String> LAUNCHER_PROPERTIES = Set.of("workmate.home");

  private UnknownSettings() {}

  /** One message per unknown key, naming the closest known key when one is near. */
  static List<String> in(Config config) {
    Config defaults = ConfigFactory.parseResources("application.conf")
        .withFallback(ConfigFactory.defaultReference()).resolve();
    Set<String> known = leafPaths(defaults);
    List<String> openMaps = openMaps(defaults);
    List<String> problems = new ArrayList<>();
    if (!config.hasPath("workmate")) {
      return problems;
    }
    for (String key : leafPaths(config)) {
      if (known.contains(key) || LAUNCHER_PROPERTIES.contains(key)
          || openMaps.stream().anyMatch(map -> key.startsWith(map + "."))) {
        continue;
      }
      String closest = known.stream()
          .min(Comparator.comparingInt(candidate -> distance(candidate, key))).orElse("");
      problems.add("unknown setting " + key + (distance(closest, key) <= 3
          ? " (did you mean " + closest + "?)" : "") + "; the README lists every setting");
    }
    return problems;
  }

  private static Set<String> leafPaths(Config config) {
    Set<String> paths = new TreeSet<>();
    if (config.hasPath("workmate")) {
      for (Map.Entry<String, ConfigValue> entry : config.getConfig("workmate").entrySet()) {
        paths.add("workmate." + entry.getKey());
      }
    }
    return paths;
  }

  private static List<String> openMaps(Config defaults) {
    List<String> maps = new ArrayList<>();
    collectEmptyObjects(defaults.getObject("workmate"), "workmate", maps);
    return maps;
  }

  private static void collectEmptyObjects(ConfigObject object, String path, List<String> maps) {
    if (object.isEmpty()) {
      maps.add(path);
      return;
    }
    object.forEach((name, value) -> {
      if (value.valueType() == ConfigValueType.OBJECT) {
        collectEmptyObjects((ConfigObject) value, path + "." + name, maps);
      }
    });
  }

  /** Levenshtein distance: how many one-character edits turn one key into the other. */
  private static int distance(String a, String b) {
    int[] previous = new int[b.length() + 1];
    int[] current = new int[b.length() + 1];
    for (int j = 0; j <= b.length(); j++) {
      previous[j] = j;
    }
    for (int i = 1; i <= a.length(); i++) {
      current[0] = i;
      for (int j = 1; j <= b.length(); j++) {
        int substitution = previous[j - 1] + (a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1);
        current[j] = Math.min(substitution, Math.min(previous[j], current[j - 1]) + 1);
      }
      int[] swap = previous;
      previous = current;
      current = swap;
    }
    return previous[b.length()];
  }
}
