package io.workmate.bench.codex;

import java.util.List;

/**
 * What every variant runs: {@code threads} conversations of {@code turnsPerThread} text turns
 * each, turns of one thread one after another, all threads at once (so {@code threads} turns are
 * in flight). Every variant builds its prompts from the same {@link #promptTemplate} so the
 * scripted model does exactly the same work for each.
 *
 * @param promptTemplate a prompt for the scripted provider with {@code {thread}} and
 *     {@code {turn}} placeholders; its {@code [[reply:…]]} text is what the turn must answer
 */
public record Workload(int threads, int turnsPerThread, String promptTemplate) {

  public static final String THREAD_PLACEHOLDER = "{thread}";
  public static final String TURN_PLACEHOLDER = "{turn}";

  public Workload {
    if (threads < 1 || turnsPerThread < 1) {
      throw new IllegalArgumentException(
          "a workload needs at least one thread and one turn, got " + threads + "x"
              + turnsPerThread);
    }
  }

  /**
   * A fixed-length streamed text reply: {@code chunks} deltas, so {@code chunks + 4} SSE events
   * with {@code delayMs} between consecutive ones.
   */
  public static String scriptedTextPrompt(long delayMs, int chunks) {
    return "[[delay:" + delayMs + "]][[chunks:" + chunks + "]][[reply:" + expectedTemplate() + "]]";
  }

  private static String expectedTemplate() {
    return "thread " + THREAD_PLACEHOLDER + " turn " + TURN_PLACEHOLDER + " done";
  }

  /** One thread, one turn, same prompt: what each driver runs before the measured window. */
  public Workload warmUp() {
    return new Workload(1, 1, promptTemplate);
  }

  public int totalTurns() {
    return threads * turnsPerThread;
  }

  public String prompt(int thread, int turn) {
    return fill(promptTemplate, thread, turn);
  }

  /** The reply the scripted model gives to {@link #prompt}: the text inside {@code [[reply:…]]}. */
  public String expectedReply(int thread, int turn) {
    int start = promptTemplate.indexOf("[[reply:");
    int end = promptTemplate.indexOf("]]", start);
    return start < 0 || end < 0
        ? null
        : fill(promptTemplate.substring(start + "[[reply:".length(), end), thread, turn);
  }

  /** Short label such as {@code 16x4}. */
  public String label() {
    return threads + "x" + turnsPerThread;
  }

  public List<String> toArgs() {
    return List.of("--threads", Integer.toString(threads), "--turns",
        Integer.toString(turnsPerThread), "--prompt-template", promptTemplate);
  }

  private static String fill(String template, int thread, int turn) {
    return template.replace(THREAD_PLACEHOLDER, Integer.toString(thread))
        .replace(TURN_PLACEHOLDER, Integer.toString(turn));
  }
}
