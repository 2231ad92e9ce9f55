package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.codex.ThreadEvent;
import java.io.PrintStream;
import java.util.HashSet;
import java.util.Set;

/**
 * Renders a thread's events for a terminal: the agent's text as it streams, each command as
 * {@code $ command} followed by its output. Items whose text never streamed (codex sends deltas
 * only for longer outputs) are printed whole when they complete.
 */
final class TerminalOutput {

  private final PrintStream out;
  private final Set<String> streamedItems = new HashSet<>();
  private boolean atLineStart = true;

  TerminalOutput(PrintStream out) {
    this.out = out;
  }

  void onEvent(ThreadEvent event) {
    if (event instanceof ThreadEvent.AgentMessageDelta delta) {
      streamedItems.add(delta.itemId());
      write(delta.delta());
    } else if (event instanceof ThreadEvent.CommandOutputDelta delta) {
      streamedItems.add(delta.itemId());
      write(delta.delta());
    } else if (event instanceof ThreadEvent.ItemStarted started) {
      onItemStarted(started.item());
    } else if (event instanceof ThreadEvent.ItemCompleted completed) {
      onItemCompleted(completed.item());
    }
  }

  private void onItemStarted(JsonNode item) {
    if ("commandExecution".equals(item.path("type").asText())) {
      newParagraph();
      write("$ " + item.path("command").asText() + "\n");
    }
  }

  private void onItemCompleted(JsonNode item) {
    String type = item.path("type").asText();
    String id = item.path("id").asText();
    if ("agentMessage".equals(type)) {
      if (!streamedItems.contains(id)) {
        write(item.path("text").asText(""));
      }
      newParagraph();
    } else if ("commandExecution".equals(type)) {
      if (!streamedItems.contains(id)) {
        write(item.path("aggregatedOutput").asText(""));
      }
      String status = item.path("status").asText();
      if (!"completed".equals(status)) {
        newLine();
        write("(command " + status + ")\n");
      }
      newParagraph();
    } else if ("fileChange".equals(type)) {
      newParagraph();
      for (JsonNode change : item.path("changes")) {
        write("~ " + change.path("kind").path("type").asText("change") + " "
            + change.path("path").asText() + "\n");
      }
    }
  }

  void finish() {
    newLine();
    out.flush();
  }

  private void write(String text) {
    if (text.isEmpty()) {
      return;
    }
    out.print(text);
    out.flush();
    atLineStart = text.endsWith("\n");
  }

  private void newLine() {
    if (!atLineStart) {
      write("\n");
    }
  }

  private void newParagraph() {
    newLine();
  }
}
