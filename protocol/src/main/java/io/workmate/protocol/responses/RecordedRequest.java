package io.workmate.protocol.responses;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/**
 * One {@code POST /v1/responses} as the {@link ScriptedProvider} received it, with helpers that
 * read the conversation codex showed the model. The body is the parsed JSON; treat it as read-only.
 *
 * @param path the request path, e.g. {@code /v1/responses}
 * @param headers header names lower-cased; repeated headers joined with {@code ", "}
 * @param body the parsed JSON body (an object)
 */
public record RecordedRequest(String path, Map<String, String> headers, JsonNode body) {

  /** Codex prefixes instructions from AGENTS.md files with this line inside a user message. */
  private static final String AGENTS_MD_PREFIX = "# AGENTS.md instructions";
  /** OpenClaw follows every prompt with a user message of run context opening with this. */
  private static final String OPENCLAW_CONTEXT_PREFIX = "<<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>";

  public RecordedRequest {
    Objects.requireNonNull(path, "path");
    Objects.requireNonNull(body, "body");
    headers =
        headers.entrySet().stream()
            .collect(
                Collectors.toUnmodifiableMap(
                    entry -> entry.getKey().toLowerCase(Locale.ROOT),
                    Map.Entry::getValue,
                    (first, second) -> first + ", " + second));
  }

  /** The header's value (name matched case-insensitively), or null when absent. */
  public String header(String name) {
    return headers.get(name.toLowerCase(Locale.ROOT));
  }

  /** Codex's {@code thread-id} header, or null when absent. */
  public String threadId() {
    return header("thread-id");
  }

  /** The {@code input} item list (empty when absent). */
  public List<JsonNode> inputItems() {
    List<JsonNode> items = new ArrayList<>();
    body.path("input").forEach(items::add);
    return items;
  }

  /**
   * Texts of the user's own prompts, oldest first. Codex also sends context as user-role messages
   * ({@code <environment_context>…}, AGENTS.md instructions), and so does OpenClaw (a {@code
   * <<<BEGIN_OPENCLAW_INTERNAL_CONTEXT>>>} block after each prompt); those are not prompts and are
   * left out, otherwise directives and recall would see the client's boilerplate.
   */
  public List<String> userTexts() {
    List<String> texts = new ArrayList<>();
    for (JsonNode item : inputItems()) {
      if (isMessageFrom(item, "user")) {
        String prompt = joinText(item.path("content"), true);
        if (!prompt.isEmpty()) {
          texts.add(prompt);
        }
      }
    }
    return texts;
  }

  /** The latest user prompt, or {@code ""} when the request carries none. */
  public String lastUserText() {
    List<String> texts = userTexts();
    return texts.isEmpty() ? "" : texts.get(texts.size() - 1);
  }

  /** Texts of assistant messages in the input: the model's earlier replies it is shown again. */
  public List<String> assistantTexts() {
    List<String> texts = new ArrayList<>();
    for (JsonNode item : inputItems()) {
      if (isMessageFrom(item, "assistant")) {
        texts.add(joinText(item.path("content"), false));
      }
    }
    return texts;
  }

  /** True when codex is returning a tool's result: the last input item is a tool output. */
  public boolean isToolFollowUp() {
    List<JsonNode> items = inputItems();
    return !items.isEmpty() && isToolOutput(items.get(items.size() - 1));
  }

  /** The output of the most recent tool call in the input, or null when there is none. */
  public String lastToolOutput() {
    List<JsonNode> items = inputItems();
    for (int i = items.size() - 1; i >= 0; i--) {
      if (isToolOutput(items.get(i))) {
        return outputText(items.get(i).path("output"));
      }
    }
    return null;
  }

  private static boolean isMessageFrom(JsonNode item, String role) {
    // The Responses API lets "type" be omitted on messages; the role alone identifies them.
    String type = item.path("type").asText("message");
    return "message".equals(type) && role.equals(item.path("role").asText());
  }

  private static boolean isToolOutput(JsonNode item) {
    String type = item.path("type").asText();
    return "function_call_output".equals(type) || "custom_tool_call_output".equals(type);
  }

  /** Joins a message's text parts; content may also be a bare string. */
  private static String joinText(JsonNode content, boolean skipContextBlocks) {
    if (content.isTextual()) {
      return keepText(content.asText(), skipContextBlocks) ? content.asText() : "";
    }
    List<String> parts = new ArrayList<>();
    for (JsonNode part : content) {
      JsonNode text = part.get("text");
      if (text != null && text.isTextual() && keepText(text.asText(), skipContextBlocks)) {
        parts.add(text.asText());
      }
    }
    return String.join("\n", parts);
  }

  private static boolean keepText(String text, boolean skipContextBlocks) {
    return !skipContextBlocks || !isInjectedContext(text);
  }

  /**
   * Codex wraps injected context in a tag ({@code <environment_context>…</…>}); OpenClaw opens its
   * block with a marker, checked on its own so text after the closing marker cannot hide it.
   */
  static boolean isInjectedContext(String text) {
    String trimmed = text.strip();
    return (trimmed.startsWith("<") && trimmed.endsWith(">"))
        || trimmed.startsWith(AGENTS_MD_PREFIX)
        || trimmed.startsWith(OPENCLAW_CONTEXT_PREFIX);
  }

  /** A tool output is usually a string; structured outputs are lists of text parts. */
  private static String outputText(JsonNode output) {
    if (output.isTextual()) {
      return output.asText();
    }
    if (output.isArray()) {
      return joinText(output, false);
    }
    return output.isMissingNode() || output.isNull() ? "" : output.toString();
  }
}
