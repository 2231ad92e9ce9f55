package io.workmate.protocol.responses;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The scripted model's default behaviour: directives written into the user's prompt choose the
 * reply, so a test (or the offline demo) controls the model by what it types.
 *
 * <ul>
 *   <li>{@code [[reply:TEXT]]} — answer exactly TEXT
 *   <li>{@code [[exec:CMD]]} — call the shell tool {@code exec_command} with CMD
 *   <li>{@code [[patch:PATH:CONTENT]]} — call {@code apply_patch} adding file PATH; a literal
 *       {@code \n} in CONTENT becomes a newline so one-line prompts can write several lines
 *   <li>{@code [[edit:PATH:OLD=>NEW]]} — call {@code apply_patch} updating file PATH: its line
 *       OLD becomes NEW ({@code \n} in NEW adds lines)
 *   <li>{@code [[fail_first:TOKEN]]}, {@code [[fail_first:TOKEN:PATH]]} — the first attempt
 *       (the first Codex thread that sends TOKEN, see {@link FirstAttempts}) fails: it runs the
 *       prompt's tool call (or, with PATH, adds PATH instead, a half-done edit) and then ends in
 *       {@code response.failed}; a text reply fails at once. Other threads ignore it
 *   <li>{@code [[http:CODE]]} — fail with HTTP status CODE (400-599)
 *   <li>{@code [[fail:MESSAGE]]} — a stream ending in {@code response.failed}
 *   <li>{@code [[stall]]} — start answering, then hang
 *   <li>{@code [[recall]]} — list the earlier user prompts the request shows the model
 *   <li>modifiers {@code [[delay:MS]]} (pause between SSE events) and {@code [[chunks:N]]} (text
 *       deltas), combinable with any of the above
 * </ul>
 *
 * <p>When codex returns a tool's output the reply reports that output instead of re-reading the
 * prompt; re-running the prompt's {@code [[exec:…]]} would make the tool loop forever. Without a
 * directive the model greets and echoes the prompt. The first reply directive in a prompt wins;
 * unknown {@code [[…]]} tokens are ignored. A directive with an unusable value produces a text
 * reply saying what is wrong rather than an error, so a typo shows up in the conversation.
 */
public final class Directives {

  public static final String GREETING = "Hello from Workmate's scripted model. You said: ";
  public static final String TOOL_FINISHED = "Tool finished. Output:\n";
  /** Longest prompt echo, in code points; keeps replies to pasted essays short. */
  public static final int ECHO_LIMIT = 200;

  /** The dashboard's browser test streams 20,000 deltas to one job page. */
  private static final int MAX_CHUNKS = 20_000;
  // Names are lower-case words; the value runs to the first "]]" and may span lines.
  private static final Pattern DIRECTIVE =
      Pattern.compile("\\[\\[([a-z_]+)(?::(.*?))?]]", Pattern.DOTALL);

  private Directives() {}

  /** A directive as written: {@code [[name:value]]}, value null when there is no colon. */
  record Directive(String name, String value, String raw) {}

  /**
   * The reply the directives in the request's last user prompt ask for, with a memory of its
   * own: every {@code [[fail_first:…]]} counts as a first attempt.
   */
  public static ScriptedReply replyFor(RecordedRequest request) {
    return replyFor(request, new FirstAttempts());
  }

  /** As {@link #replyFor(RecordedRequest)}, {@code attempts} telling first attempts apart. */
  public static ScriptedReply replyFor(RecordedRequest request, FirstAttempts attempts) {
    String prompt = request.lastUserText();
    List<Directive> directives = parse(prompt);
    try {
      ScriptedReply reply =
          request.isToolFollowUp()
              ? ScriptedReply.text(TOOL_FINISHED + request.lastToolOutput())
              : actionReply(directives, request, prompt);
      reply = failFirstAttempt(reply, directives, request, attempts);
      return applyModifiers(reply, directives);
    } catch (IllegalArgumentException badValue) {
      return ScriptedReply.text("Scripted model: bad directive, " + badValue.getMessage());
    }
  }

  /** Every {@code [[…]]} token in the text, in order. */
  static List<Directive> parse(String text) {
    List<Directive> directives = new ArrayList<>();
    Matcher matcher = DIRECTIVE.matcher(text);
    while (matcher.find()) {
      directives.add(new Directive(matcher.group(1), matcher.group(2), matcher.group()));
    }
    return directives;
  }

  /** The prompt with every directive token removed and surrounding blanks trimmed. */
  static String stripDirectives(String prompt) {
    return DIRECTIVE.matcher(prompt).replaceAll("").strip();
  }

  private static ScriptedReply actionReply(
      List<Directive> directives, RecordedRequest request, String prompt) {
    for (Directive directive : directives) {
      ScriptedReply reply = replyForAction(directive, request);
      if (reply != null) {
        return reply;
      }
    }
    return ScriptedReply.text(GREETING + truncate(stripDirectives(prompt), ECHO_LIMIT));
  }

  /** The reply one directive asks for, or null when it is a modifier or unknown. */
  private static ScriptedReply replyForAction(Directive directive, RecordedRequest request) {
    String value = directive.value();
    switch (directive.name()) {
      case "reply":
        return ScriptedReply.text(value == null ? "" : value);
      case "exec":
        return ScriptedReply.exec(requireValue(directive));
      case "patch":
        return patch(directive);
      case "edit":
        return edit(directive);
      case "http":
        int status = (int) number(directive, 400, 599);
        return ScriptedReply.httpError(status, "scripted HTTP " + status);
      case "fail":
        return ScriptedReply.failed(value == null || value.isBlank() ? "scripted failure" : value);
      case "stall":
        return ScriptedReply.stall();
      case "recall":
        return recall(request);
      default:
        return null;
    }
  }

  private static ScriptedReply patch(Directive directive) {
    String value = requireValue(directive);
    int colon = value.indexOf(':');
    if (colon < 0) {
      throw new IllegalArgumentException(directive.raw() + " needs PATH:CONTENT");
    }
    String content = value.substring(colon + 1).replace("\\n", "\n");
    return ScriptedReply.applyPatch(value.substring(0, colon).strip(), content);
  }

  private static ScriptedReply edit(Directive directive) {
    String value = requireValue(directive);
    int colon = value.indexOf(':');
    int arrow = value.indexOf("=>", colon + 1);
    if (colon < 0 || arrow < 0) {
      throw new IllegalArgumentException(directive.raw() + " needs PATH:OLD=>NEW");
    }
    return ScriptedReply.editFile(value.substring(0, colon).strip(),
        value.substring(colon + 1, arrow), value.substring(arrow + 2).replace("\\n", "\n"));
  }

  /**
   * {@code [[fail_first:TOKEN(:PATH)]]} on the first attempt: the tool call's result is answered
   * with a failure (so the tool ran: its effects are the attempt's leftovers), a text reply fails
   * at once, and with PATH the tool call adds PATH instead of doing the prompt's action.
   */
  private static ScriptedReply failFirstAttempt(ScriptedReply reply, List<Directive> directives,
      RecordedRequest request, FirstAttempts attempts) {
    Directive failFirst = directives.stream().filter(d -> d.name().equals("fail_first"))
        .findFirst().orElse(null);
    if (failFirst == null) {
      return reply;
    }
    String value = requireValue(failFirst);
    int colon = value.indexOf(':');
    String token = (colon < 0 ? value : value.substring(0, colon)).strip();
    String leftover = colon < 0 ? "" : value.substring(colon + 1).strip();
    if (!attempts.isFirst(token, request.threadId())) {
      return reply;
    }
    ScriptedReply.Failed failure =
        ScriptedReply.failed("scripted failure of the first attempt (" + token + ")");
    if (request.isToolFollowUp()) {
      return failure;
    }
    if (!leftover.isEmpty()) {
      return ScriptedReply.applyPatch(leftover, "left by the first attempt of " + token);
    }
    return reply instanceof ScriptedReply.Text ? failure : reply;
  }

  /** Lists the prompts before the current one, proving the model was shown the thread's history. */
  private static ScriptedReply recall(RecordedRequest request) {
    List<String> prompts = request.userTexts();
    List<String> earlier = prompts.isEmpty() ? prompts : prompts.subList(0, prompts.size() - 1);
    return ScriptedReply.text(
        earlier.isEmpty() ? "I remember nothing." : "I remember: " + String.join(" | ", earlier));
  }

  private static ScriptedReply applyModifiers(ScriptedReply reply, List<Directive> directives) {
    ScriptedReply modified = reply;
    for (Directive directive : directives) {
      if (directive.name().equals("delay")) {
        modified = modified.withDelay(number(directive, 0, ScriptedReply.MAX_DELAY_MS));
      } else if (directive.name().equals("chunks") && modified instanceof ScriptedReply.Text text) {
        modified = text.withChunks((int) number(directive, 1, MAX_CHUNKS));
      }
    }
    return modified;
  }

  private static String requireValue(Directive directive) {
    String value = directive.value();
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(directive.raw() + " needs a value");
    }
    return value;
  }

  private static long number(Directive directive, long min, long max) {
    try {
      long number = Long.parseLong(requireValue(directive).strip());
      if (number >= min && number <= max) {
        return number;
      }
    } catch (NumberFormatException notANumber) {
      // reported below with the accepted range
    }
    throw new IllegalArgumentException(
        directive.raw() + " needs a whole number from " + min + " to " + max);
  }

  /** Cuts after {@code limit} code points (never inside a surrogate pair). */
  static String truncate(String text, int limit) {
    if (text.codePointCount(0, text.length()) <= limit) {
      return text;
    }
    return text.substring(0, text.offsetByCodePoints(0, limit));
  }
}
