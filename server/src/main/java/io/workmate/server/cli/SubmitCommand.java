package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.codex.ThreadEvent;
import java.util.Iterator;
import java.util.List;
import java.util.stream.Stream;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code workmate submit [--wait] "<prompt>"}: queue a job on the running service. */
@Command(name = "submit", mixinStandardHelpOptions = true,
    description = "Queue a job on the running service and print its id; with --wait, follow it "
        + "live (status, attempt, the agent's text) until it ends.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:queued (with --wait: succeeded)",
        "1:unexpected answer from the service, or its event stream was lost",
        "2:invalid arguments or configuration, or the service refused the job",
        "4:the service did not answer (is `workmate serve` running?)",
        "10:with --wait: the job used up its attempts (dead)",
        "11:with --wait: the job was cancelled"})
public final class SubmitCommand extends ClientCommand {

  /** Reconnects of a dropped event stream before giving up (a restart of the service). */
  private static final int RECONNECTS = 10;

  @Parameters(index = "0", paramLabel = "PROMPT", description = "The text for the agent.")
  String prompt;

  @Option(names = "--wait", description = "Follow the job until it succeeds, dies or is "
      + "cancelled; the agent's text goes to stdout, progress to stderr.")
  boolean wait;

  @Option(names = "--priority", paramLabel = "N", description = "Higher runs first "
      + "(-1000..1000, default 0).")
  Integer priority;

  @Option(names = "--agent", paramLabel = "ID", description = "Run on this agent "
      + "(e.g. codex, echo).")
  String agent;

  @Option(names = "--capability", paramLabel = "C", description = "A capability the agent "
      + "must offer; repeatable.")
  List<String> capabilities;

  @Option(names = "--max-attempts", paramLabel = "N", description = "Attempts before the job "
      + "is dead (1..100).")
  Integer maxAttempts;

  @Option(names = "--timeout", paramLabel = "SECONDS", description = "Limit of one attempt.")
  Integer timeoutSeconds;

  @Option(names = "--cwd", paramLabel = "DIR", description = "Working directory for the agent "
      + "(absolute, on the service's machine).")
  String cwd;

  @Option(names = "--repo", paramLabel = "DIR", description = "Run in a git worktree of this "
      + "repository (absolute, on the service's machine), on a branch of the job's own.")
  String repo;

  @Option(names = "--base", paramLabel = "REF", description = "With --repo: the branch, tag or "
      + "commit to start from (default HEAD).")
  String base;

  @Option(names = "--branch", paramLabel = "NAME", description = "With --repo: the new branch "
      + "(default workmate/<job-id>).")
  String branch;

  @Option(names = "--approval", paramLabel = "POLICY",
      description = "never | on-request | untrusted.")
  String approval;

  @Option(names = "--idempotency-key", paramLabel = "KEY", description = "The same key "
      + "returns the same job.")
  String idempotencyKey;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    if (prompt.isBlank()) {
      throw new ServiceClient.Failure(ClientExitCodes.USAGE, "the prompt must not be empty");
    }
    if (priority != null && (priority < -1000 || priority > 1000)) {
      throw new ServiceClient.Failure(ClientExitCodes.USAGE,
          "--priority must be within -1000..1000, not " + priority);
    }
    if (repo == null && (base != null || branch != null)) {
      throw new ServiceClient.Failure(ClientExitCodes.USAGE,
          "--base and --branch need --repo (the repository the job works in)");
    }
    JsonNode accepted = client.post("/v1/jobs", request()).body();
    String id = accepted.path("id").asText();
    if (!wait) {
      out().println(id);
      return ClientExitCodes.OK;
    }
    err().println("job " + id + ": " + accepted.path("status").asText());
    return follow(client, id);
  }

  private ObjectNode request() {
    ObjectNode body = ServiceClient.json().createObjectNode();
    body.put("prompt", prompt);
    if (agent != null) {
      body.put("agent", agent);
    }
    if (capabilities != null) {
      ArrayNode list = body.putArray("capabilities");
      capabilities.forEach(list::add);
    }
    if (priority != null) {
      body.put("priority", priority);
    }
    if (maxAttempts != null) {
      body.put("maxAttempts", maxAttempts);
    }
    if (timeoutSeconds != null) {
      body.put("timeoutSeconds", timeoutSeconds);
    }
    if (cwd != null) {
      body.put("cwd", cwd);
    }
    if (approval != null) {
      body.put("approval", approval);
    }
    if (idempotencyKey != null) {
      body.put("idempotencyKey", idempotencyKey);
    }
    if (repo != null) {
      ObjectNode workspace = body.putObject("workspace");
      workspace.put("repo", repo);
      if (base != null) {
        workspace.put("base", base);
      }
      if (branch != null) {
        workspace.put("branch", branch);
      }
    }
    return body;
  }

  /** Shows the job's feed until {@code end}; reconnects when the stream drops early. */
  private int follow(ServiceClient client, String id)
      throws ServiceClient.Failure, InterruptedException {
    Progress progress = new Progress(id);
    for (int connection = 0; connection <= RECONNECTS; connection++) {
      try (Stream<String> lines = client.eventLines("/v1/jobs/" + id + "/events")) {
        JsonNode end = readUntilEnd(lines.iterator(), progress);
        if (end != null) {
          return progress.finish(end);
        }
      } catch (java.io.UncheckedIOException e) {
        // the connection broke mid-stream: try again below
      }
      Thread.sleep(1000);
      err().println("job " + id + ": event stream lost, reconnecting");
    }
    throw new ServiceClient.Failure(ClientExitCodes.UNEXPECTED, "lost the event stream of job "
        + id + "; see `workmate job " + id + "`");
  }

  /** Server-Sent Events: "event:" and "data:" lines, an empty line ends each. */
  private JsonNode readUntilEnd(Iterator<String> lines, Progress progress) {
    String event = "message";
    StringBuilder data = new StringBuilder();
    while (lines.hasNext()) {
      String line = lines.next();
      if (line.isEmpty()) {
        if (data.length() > 0) {
          JsonNode node = parse(data.toString());
          if ("end".equals(event)) {
            return node;
          }
          progress.on(event, node);
        }
        event = "message";
        data.setLength(0);
      } else if (line.startsWith("event:")) {
        event = line.substring(6).trim();
      } else if (line.startsWith("data:")) {
        data.append(line.substring(5).stripLeading());
      }
      // ":" lines are heartbeats
    }
    return null;
  }

  private static JsonNode parse(String data) {
    try {
      return ServiceClient.json().readTree(data);
    } catch (java.io.IOException e) {
      return ServiceClient.json().createObjectNode();
    }
  }

  /** What the user sees: status lines on stderr, the agent's work on stdout. */
  private final class Progress {
    private final String id;
    private final TerminalOutput terminal = new TerminalOutput(out());
    private String lastStatus = "";
    private int lastAttempt = -1;
    private boolean agentTextShown;

    Progress(String id) {
      this.id = id;
    }

    void on(String event, JsonNode data) {
      switch (event) {
        case "status" -> status(data);
        case "item" -> item(data);
        case "approval" -> err().println("job " + id + ": waiting for approval "
            + data.path("id").asText() + " (" + data.path("kind").asText() + ": "
            + data.path("summary").asText() + "); answer with `workmate approve "
            + data.path("id").asText() + " accept|decline`");
        case "approval_resolved" -> err().println("job " + id + ": approval "
            + data.path("approvalId").asText() + " " + data.path("decision").asText());
        default -> { }
      }
    }

    private void status(JsonNode job) {
      String status = job.path("status").asText();
      int attempt = job.path("attempts").asInt();
      if (status.equals(lastStatus) && attempt == lastAttempt) {
        return;
      }
      lastStatus = status;
      lastAttempt = attempt;
      terminal.finish();
      StringBuilder line = new StringBuilder("job " + id + ": " + status);
      if (status.equals("running")) {
        line.append(" (attempt ").append(attempt).append('/')
            .append(job.path("maxAttempts").asInt()).append(" on ")
            .append(job.path("agent").asText("?")).append(')');
      } else if (status.equals("failed")) {
        line.append(" (attempt ").append(attempt).append(": ")
            .append(job.path("error").asText()).append("; retry at ")
            .append(job.path("retryAt").asText()).append(')');
      }
      err().println(line);
    }

    private void item(JsonNode item) {
      String type = item.path("type").asText();
      JsonNode data = item.path("data");
      switch (type) {
        case "agent_message_delta" -> {
          agentTextShown = true;
          terminal.onEvent(new ThreadEvent.AgentMessageDelta(null, null,
              data.path("itemId").asText(), data.path("delta").asText()));
        }
        case "command_output_delta" -> terminal.onEvent(new ThreadEvent.CommandOutputDelta(null,
            null, data.path("itemId").asText(), data.path("delta").asText()));
        case "item_started" -> terminal.onEvent(new ThreadEvent.ItemStarted(null, null, data));
        case "item_completed" -> {
          agentTextShown |= "agentMessage".equals(data.path("type").asText());
          terminal.onEvent(new ThreadEvent.ItemCompleted(null, null, data));
        }
        default -> { }
      }
    }

    int finish(JsonNode job) {
      terminal.finish();
      String status = job.path("status").asText();
      if (!status.equals(lastStatus)) {
        err().println("job " + id + ": " + status);
      }
      switch (status) {
        case "succeeded" -> {
          if (!agentTextShown) {
            out().println(job.path("result").path("text").asText());
          }
          out().flush();
          return ClientExitCodes.OK;
        }
        case "dead" -> {
          err().println("workmate: job " + id + " is dead after " + job.path("attempts").asInt()
              + " attempt(s): " + job.path("error").asText());
          return ClientExitCodes.JOB_DEAD;
        }
        case "cancelled" -> {
          err().println("workmate: job " + id + " was cancelled");
          return ClientExitCodes.JOB_CANCELLED;
        }
        default -> {
          err().println("workmate: job " + id + " is unknown to the service");
          return ClientExitCodes.NOT_FOUND;
        }
      }
    }
  }
}
