package io.workmate.bench.codex;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The command line every variant driver takes (the Java drivers and the Node one alike): where
 * codex is, where its prepared HOME lives, where threads work, and the workload.
 *
 * @param codexDir the directory {@code CodexSetup} prepared (holds {@code home/.codex})
 * @param processes app-server processes (Workmate only; the floor always uses one)
 */
public record DriverArgs(Path binary, Path codexDir, Path workDir, Workload workload,
    int processes) {

  public List<String> toArgs() {
    List<String> args = new ArrayList<>(List.of("--binary", binary.toString(), "--codex-dir",
        codexDir.toString(), "--work-dir", workDir.toString(), "--processes",
        Integer.toString(processes)));
    args.addAll(workload.toArgs());
    return args;
  }

  public static DriverArgs parse(String[] args) {
    Map<String, String> values = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      if (!args[i].startsWith("--")) {
        throw new IllegalArgumentException("expected --name value pairs, got " + args[i]);
      }
      values.put(args[i].substring(2), args[i + 1]);
    }
    Workload workload = new Workload(Integer.parseInt(required(values, "threads")),
        Integer.parseInt(required(values, "turns")), required(values, "prompt-template"));
    return new DriverArgs(Path.of(required(values, "binary")),
        Path.of(required(values, "codex-dir")), Path.of(required(values, "work-dir")), workload,
        Integer.parseInt(values.getOrDefault("processes", "1")));
  }

  private static String required(Map<String, String> values, String name) {
    String value = values.get(name);
    if (value == null) {
      throw new IllegalArgumentException("missing --" + name);
    }
    return value;
  }
}
