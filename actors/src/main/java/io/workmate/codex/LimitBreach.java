package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.CommandExecutionItem;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Tells from a completed {@code commandExecution} item whether a limit killed or starved the
 * command. RLIMIT_CPU shows in the exit status (SIGXCPU = 152 at the soft limit, SIGKILL = 137 at
 * the hard one); RLIMIT_AS has no signal of its own, so a failed command whose output reports an
 * allocation failure counts when an address-space limit is set; RLIMIT_NOFILE likewise with
 * "Too many open files".
 */
public final class LimitBreach {

  private static final Pattern ALLOCATION_FAILURE = Pattern.compile(
      "memory exhausted|cannot allocate|out of memory|MemoryError|bad_alloc|"
          + "Cannot allocate memory|failed to allocate", Pattern.CASE_INSENSITIVE);
  private static final Pattern TOO_MANY_FILES = Pattern.compile("Too many open files");
  private static final Pattern LOGIN_SHELL = Pattern.compile("^/bin/bash -l?c (.*)$",
      Pattern.DOTALL);
  private static final int COMMAND_CHARS = 200;

  private LimitBreach() {}

  /** The error the invocation fails with, or empty when the item shows no breach. */
  public static Optional<String> detect(JsonNode item, CommandLimits limits) {
    return CommandExecutionItem.of(item).flatMap(execution -> detect(execution, limits));
  }

  private static Optional<String> detect(CommandExecutionItem item, CommandLimits limits) {
    if (item.exitCode() == null || item.exitCode() == 0) {
      return Optional.empty();
    }
    int code = item.exitCode();
    String command = command(item);
    String output = Objects.requireNonNullElse(item.aggregatedOutput(), "");
    if (limits.cpuSeconds().isPresent()) {
      long seconds = limits.cpuSeconds().getAsLong();
      // CPU time never exceeds wall time: a SIGKILL sooner than the limit was something else
      boolean hardLimit = code == CommandLimits.SIGKILL_EXIT
          && Objects.requireNonNullElse(item.durationMs(), 0L) >= seconds * 1000;
      if (code == CommandLimits.SIGXCPU_EXIT || hardLimit) {
        return Optional.of("the command \"" + command + "\" exceeded the CPU-time limit of "
            + seconds + " s (RLIMIT_CPU; " + (hardLimit ? "killed" : "SIGXCPU, exit status 152")
            + ")");
      }
    }
    if (limits.addressSpace().isPresent()) {
      Matcher matcher = ALLOCATION_FAILURE.matcher(output);
      if (matcher.find()) {
        return Optional.of("the command \"" + command + "\" exceeded the address-space limit of "
            + CommandLimits.size(limits.addressSpace().getAsLong()) + " (RLIMIT_AS): "
            + lineAround(output, matcher.start()));
      }
    }
    if (limits.openFiles().isPresent() && TOO_MANY_FILES.matcher(output).find()) {
      return Optional.of("the command \"" + command + "\" exceeded the open-files limit of "
          + limits.openFiles().getAsInt() + " (RLIMIT_NOFILE)");
    }
    return Optional.empty();
  }

  /** The command as the model wrote it, without codex's {@code /bin/bash -lc '...'}. */
  static String command(CommandExecutionItem item) {
    List<CommandExecutionItem.CommandAction> actions = item.commandActions();
    String text = actions != null && actions.size() == 1 && actions.get(0) != null
        ? Objects.requireNonNullElse(actions.get(0).command(), "") : "";
    if (text.isEmpty()) {
      text = Objects.requireNonNullElse(item.command(), "");
      Matcher shell = LOGIN_SHELL.matcher(text);
      if (shell.matches()) {
        text = shell.group(1);
        boolean quoted = text.startsWith("'") && text.endsWith("'")
            || text.startsWith("\"") && text.endsWith("\"");
        if (text.length() >= 2 && quoted) {
          text = text.substring(1, text.length() - 1);
        }
      }
    }
    return text.length() > COMMAND_CHARS ? text.substring(0, COMMAND_CHARS) + "…" : text;
  }

  private static String lineAround(String output, int index) {
    int start = output.lastIndexOf('\n', index) + 1;
    int end = output.indexOf('\n', index);
    String line = output.substring(start, end < 0 ? output.length() : end).strip();
    return line.length() > COMMAND_CHARS ? line.substring(0, COMMAND_CHARS) + "…" : line;
  }
}
