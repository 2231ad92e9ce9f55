package io.workmate.server.cli;

import io.workmate.codex.PendingApproval;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.support.BlockingThreads;
import java.io.BufferedReader;
import java.io.Console;
import java.io.IOException;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Asks the person at the terminal about an approval, on its own thread (reading the terminal
 * blocks, which an actor must not). Without a terminal the default decision applies at once.
 */
final class ApprovalPrompter {

  private final Optional<Console> console;
  private final PrintStream notices;
  private final ApprovalDecision fallback;

  ApprovalPrompter(Optional<Console> console, PrintStream notices, ApprovalDecision fallback) {
    this.console = console;
    this.notices = notices;
    this.fallback = fallback;
  }

  void ask(PendingApproval approval, Consumer<ApprovalDecision> answer) {
    if (console.isEmpty()) {
      notices.println("workmate: codex asks to run " + describe(approval)
          + "; no terminal to ask, answering " + fallback.wire());
      answer.accept(fallback);
      return;
    }
    // the console read blocks until the user answers
    BlockingThreads.start("approval-prompt", () -> answer.accept(prompt(console.get(), approval)));
  }

  private ApprovalDecision prompt(Console terminal, PendingApproval approval) {
    BufferedReader reader = new BufferedReader(terminal.reader());
    while (true) {
      notices.print("\nworkmate: codex asks to run " + describe(approval)
          + (approval.reason() == null ? "" : " (" + approval.reason() + ")")
          + "\n  [a]ccept, [d]ecline (the turn goes on), [c]ancel the turn? ");
      notices.flush();
      String line;
      try {
        line = reader.readLine();
      } catch (IOException e) {
        return fallback;
      }
      if (line == null) {
        return fallback;
      }
      switch (line.trim().toLowerCase(Locale.ROOT)) {
        case "a", "accept", "y", "yes":
          return ApprovalDecision.ACCEPT;
        case "d", "decline", "n", "no":
          return ApprovalDecision.DECLINE;
        case "c", "cancel":
          return ApprovalDecision.CANCEL;
        default:
          notices.println("please answer a, d or c");
      }
    }
  }

  private static String describe(PendingApproval approval) {
    return "command".equals(approval.kind()) ? "`" + approval.summary() + "`"
        : approval.summary();
  }
}
