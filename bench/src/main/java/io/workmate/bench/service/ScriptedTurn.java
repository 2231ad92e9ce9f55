package io.workmate.bench.service;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A Codex turn of a known length on the scripted provider: {@code [[delay:D]][[chunks:C]]} makes
 * the model's answer a stream of C + 4 SSE events (created, item added, C deltas, item done,
 * completed) with D ms between two of them, so the stream lasts (C + 3) × D. The turn takes a
 * little longer than its stream (codex's request, Workmate's bookkeeping: 0.5-0.7 s here).
 */
record ScriptedTurn(long delayMs, int chunks, String reply) {

  static final int CHUNKS = 8;

  /**
   * {@code count} turns whose streams last from 40 % of {@code longest} up to {@code longest},
   * evenly spread, shortest first.
   */
  static List<ScriptedTurn> spread(int count, Duration longest, String label) {
    List<ScriptedTurn> turns = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      double share = 0.4 + 0.6 * i / (count - 1);
      long delay = Math.round(longest.toMillis() * share / (CHUNKS + 3));
      // at least one code point per chunk, or the provider sends fewer deltas
      turns.add(new ScriptedTurn(delay, CHUNKS, label + " turn " + (i + 1) + " of " + count
          + " done"));
    }
    return turns;
  }

  /** The job's prompt: the directives the scripted provider follows. */
  String prompt() {
    return "[[delay:" + delayMs + "]][[chunks:" + chunks + "]][[reply:" + reply + "]]";
  }

  /** How long the model's stream lasts from its first event to its last. */
  Duration streamLength() {
    return Duration.ofMillis(delayMs * (chunks + 3));
  }
}
