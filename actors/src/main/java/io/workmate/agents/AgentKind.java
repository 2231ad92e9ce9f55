package io.workmate.agents;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.stream.Collectors;

/** What backend an agent invokes. Persisted and shown by its wire name. */
public enum AgentKind {
  /** A turn on a thread of the local {@code codex app-server}. */
  CODEX("codex"),
  /** An {@code agent} run on an OpenClaw gateway connection. */
  GATEWAY("gateway"),
  /** A POST to an external HTTP endpoint. */
  HTTP("http"),
  /** Answers at once with the prompt: a no-op agent for benchmarks and smoke tests. */
  ECHO("echo");

  private final String wireName;

  AgentKind(String wireName) {
    this.wireName = wireName;
  }

  @JsonValue
  public String wireName() {
    return wireName;
  }

  /**
   * Whether jobs run on such an agent are worth remembering (a summary in its memory): not the
   * echo agent's, whose "result" is the prompt and which runs at benchmark rates.
   */
  public boolean keepsMemory() {
    return this != ECHO;
  }

  @JsonCreator
  public static AgentKind fromWireName(String wireName) {
    return Arrays.stream(values())
        .filter(kind -> kind.wireName.equals(wireName))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException("unknown agent kind '" + wireName
            + "'; one of " + Arrays.stream(values()).map(AgentKind::wireName)
                .collect(Collectors.joining(", "))));
  }

  @Override
  public String toString() {
    return wireName;
  }
}
