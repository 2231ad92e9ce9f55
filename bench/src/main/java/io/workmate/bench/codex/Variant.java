package io.workmate.bench.codex;

import java.util.Arrays;

/** The three ways the bench runs the same turns. */
enum Variant {
  WORKMATE("a", "Workmate"),
  DIRECT("b", "direct JSON-RPC (floor)"),
  SDK("c", "@openai/codex-sdk");

  final String letter;
  final String title;

  Variant(String letter, String title) {
    this.letter = letter;
    this.title = title;
  }

  static Variant byLetter(String letter) {
    return Arrays.stream(values()).filter(v -> v.letter.equals(letter.strip())).findFirst()
        .orElseThrow(() -> new IllegalArgumentException(
            "unknown variant '" + letter + "' (use a, b, c)"));
  }
}
