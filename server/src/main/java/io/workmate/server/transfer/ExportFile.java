package io.workmate.server.transfer;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.workmate.jobs.JobStatus;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * The file {@code workmate export} writes and {@code workmate import} reads: JSON lines, each an
 * object with one member that says what it is — the {@link Header} first, then {@link Agent}s,
 * {@link Memory}s and {@link Job}s. Its own records, not the journal's: the file outlives the
 * version that wrote it, and is readable with {@code jq}.
 */
public final class ExportFile {

  public static final String FORMAT = "workmate-export";
  public static final int VERSION = 1;

  private static final ObjectMapper JSON = JsonMapper.builder()
      .addModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
      .serializationInclusion(JsonInclude.Include.NON_NULL)
      .build();

  @JsonTypeInfo(use = JsonTypeInfo.Id.NAME, include = JsonTypeInfo.As.WRAPPER_OBJECT)
  @JsonSubTypes({
      @JsonSubTypes.Type(value = Header.class, name = "header"),
      @JsonSubTypes.Type(value = Agent.class, name = "agent"),
      @JsonSubTypes.Type(value = Memory.class, name = "memory"),
      @JsonSubTypes.Type(value = Job.class, name = "job")})
  public sealed interface Line permits Header, Agent, Memory, Job {}

  /** What wrote the file, when, from where, and how many of each follow. */
  public record Header(String format, int version, Instant exportedAt, String dataDir,
      int agents, int memories, int jobs) implements Line {}

  /** A registered agent, in the fields {@code POST /v1/agents} takes. */
  public record Agent(String id, String kind, List<String> capabilities, int maxConcurrent,
      int rateLimitPerMinute, String endpoint, String model, String cwd, Long ttlSeconds)
      implements Line {}

  /** One agent's memory, every entry in seq order. */
  public record Memory(String agentId, List<Entry> entries) implements Line {}

  public record Entry(long seq, String kind, String text, List<String> tags, Instant at) {}

  /** A job as it stood, and what {@code POST /v1/jobs} needs to submit it again. */
  public record Job(String id, String status, int attempts, String agent, String resultText,
      String lastError, Instant createdAt, Instant updatedAt, Spec spec) implements Line {

    /** Not ended yet: queued, running, waiting on an approval, or failed awaiting a retry. */
    public boolean unfinished() {
      return !JobStatus.fromWireName(status).isTerminal();
    }
  }

  /** What was asked: the submit's fields ({@code deadline} absolute). */
  public record Spec(String prompt, String agent, List<String> capabilities, int priority,
      int maxAttempts, int timeoutSeconds, Instant deadline, String cwd, String approval,
      String idempotencyKey, Workspace workspace) {}

  /**
   * The git worktree a job works in: its repository, the commit its branch starts from, and
   * the branch (a follow-up's is its first job's).
   */
  public record Workspace(String repo, String baseCommit, String branch, String followUpOf) {}

  /** A file that is not an export this version can read; the message names the line. */
  public static final class Invalid extends Exception {
    Invalid(String message) {
      super(message);
    }
  }

  private ExportFile() {}

  /** Writes {@code lines} to {@code file} whole or not at all (a temp file, then a rename). */
  public static void write(Path file, List<Line> lines) throws IOException {
    Path dir = file.toAbsolutePath().getParent();
    Files.createDirectories(dir);
    Path temp = Files.createTempFile(dir, file.getFileName().toString(), ".part");
    try {
      try (BufferedWriter out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8)) {
        for (Line line : lines) {
          out.write(JSON.writeValueAsString(line));
          out.write('\n');
        }
      }
      Files.move(temp, file, StandardCopyOption.REPLACE_EXISTING,
          StandardCopyOption.ATOMIC_MOVE);
    } finally {
      Files.deleteIfExists(temp);
    }
  }

  /** The lines of {@code file}, its header first. */
  public static List<Line> read(Path file) throws IOException, Invalid {
    List<Line> lines = new ArrayList<>();
    int number = 0;
    for (String text : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      number++;
      if (text.isBlank()) {
        continue;
      }
      try {
        lines.add(JSON.readValue(text, Line.class));
      } catch (JsonProcessingException e) {
        throw new Invalid(file + " line " + number + " is not a line of a Workmate export: "
            + e.getOriginalMessage());
      }
    }
    if (lines.isEmpty() || !(lines.get(0) instanceof Header header)
        || !FORMAT.equals(header.format())) {
      throw new Invalid(file + " is not a Workmate export: its first line must be "
          + "{\"header\": {\"format\": \"" + FORMAT + "\", ...}}");
    }
    if (header.version() != VERSION) {
      throw new Invalid(file + " is an export of version " + header.version()
          + "; this Workmate reads version " + VERSION);
    }
    return lines;
  }
}
