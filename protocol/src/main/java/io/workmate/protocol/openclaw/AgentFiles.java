package io.workmate.protocol.openclaw;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.Objects;

/**
 * {@code agents.files.get} and {@code agents.files.set}: a file of an agent's workspace
 * ({@code MEMORY.md}, ...), written with compare-and-set on the content hash.
 */
public final class AgentFiles {

  /** The {@code details.type} of the error a set answers when the hash did not match. */
  public static final String CONFLICT = "agent_file_conflict";

  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record GetParams(String agentId, String name) {
    public GetParams {
      Objects.requireNonNull(agentId, "agentId");
      Objects.requireNonNull(name, "name");
    }
  }

  /** Without {@code expectedHash} the file is written whatever it holds. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record SetParams(String agentId, String name, String content, String expectedHash) {
    public SetParams {
      Objects.requireNonNull(agentId, "agentId");
      Objects.requireNonNull(name, "name");
      Objects.requireNonNull(content, "content");
    }
  }

  /** The answer to a get or a set: the file as it is now. */
  public record Answer(File file) {}

  /** {@code missing} when the agent has no such file yet; {@code hash} may be left out. */
  public record File(String content, String hash, Boolean missing) {

    public boolean absent() {
      return Boolean.TRUE.equals(missing);
    }
  }

  /** The {@code details} of a refused set. */
  public record ErrorDetails(String type) {}

  private AgentFiles() {}
}
