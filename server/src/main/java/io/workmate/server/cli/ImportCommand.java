package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.agents.AgentKind;
import io.workmate.server.transfer.ExportFile;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code workmate import FILE}: puts what {@code workmate export} wrote into a running service
 * (typically a cluster), through its API: the agents any node can run, every agent's memory, and
 * the jobs that had not finished, submitted again. Safe to repeat: an agent registered with the
 * same settings is the same agent, a memory already holding the exported entries is left as it
 * is, and each job is submitted under an idempotency key (its own, else {@code import-<id>}), so
 * it stays one job.
 */
@Command(name = "import", mixinStandardHelpOptions = true,
    description = "Put what `workmate export` wrote into a running service (e.g. a cluster): the "
        + "http and gateway agents, every agent's memory, and the unfinished jobs, submitted "
        + "again (finished jobs stay in the file). Safe to run again.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:imported", "1:unexpected answer from the service",
        "2:invalid arguments or file, or the service refused some of it (listed)",
        "4:the service did not answer (is `workmate serve` running?)"})
public final class ImportCommand extends ClientCommand {

  @Parameters(paramLabel = "FILE", description = "A file written by `workmate export`.")
  Path file;

  private final List<String> refused = new ArrayList<>();

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    List<ExportFile.Line> lines;
    try {
      lines = ExportFile.read(file);
    } catch (IOException e) {
      throw new ServiceClient.Failure(ClientExitCodes.USAGE, "cannot read " + file + ": " + e);
    } catch (ExportFile.Invalid e) {
      throw new ServiceClient.Failure(ClientExitCodes.USAGE, e.getMessage());
    }
    int agents = 0;
    int localAgents = 0;
    int memories = 0;
    long entries = 0;
    int jobs = 0;
    int finished = 0;
    // agents first, their memory next, then the jobs (which may name them, and whose summaries
    // then follow the imported memory)
    for (ExportFile.Line line : lines) {
      if (line instanceof ExportFile.Agent agent) {
        if (isLocal(agent)) {
          localAgents++; // codex and echo run on one node: each node registers its own
        } else if (registered(client, agent)) {
          agents++;
        }
      }
    }
    for (ExportFile.Line line : lines) {
      if (line instanceof ExportFile.Memory memory) {
        long appended = appendMissing(client, memory);
        if (appended >= 0) {
          memories++;
          entries += appended;
        }
      }
    }
    for (ExportFile.Line line : lines) {
      if (line instanceof ExportFile.Job job) {
        if (!job.unfinished()) {
          finished++;
        } else if (submitted(client, job)) {
          jobs++;
        }
      }
    }
    out().println("imported " + agents + " agents (" + localAgents + " codex/echo agents left to "
        + "each node), the memory of " + memories + " agents (" + entries + " entries appended), "
        + jobs + " unfinished jobs submitted again; " + finished + " finished jobs stay in "
        + file);
    if (!refused.isEmpty()) {
      err().println("workmate: " + refused.size() + " items were refused:");
      refused.forEach(reason -> err().println("  - " + reason));
      return ClientExitCodes.USAGE;
    }
    return ClientExitCodes.OK;
  }

  private static boolean isLocal(ExportFile.Agent agent) {
    return agent.kind().equals(AgentKind.CODEX.wireName())
        || agent.kind().equals(AgentKind.ECHO.wireName());
  }

  private boolean registered(ServiceClient client, ExportFile.Agent agent)
      throws ServiceClient.Failure, InterruptedException {
    ObjectNode body = ServiceClient.json().createObjectNode()
        .put("id", agent.id())
        .put("kind", agent.kind())
        .put("maxConcurrent", agent.maxConcurrent())
        .put("rateLimitPerMinute", agent.rateLimitPerMinute());
    body.set("capabilities", ServiceClient.json().valueToTree(agent.capabilities()));
    putIfPresent(body, "endpoint", agent.endpoint());
    putIfPresent(body, "model", agent.model());
    putIfPresent(body, "cwd", agent.cwd());
    if (agent.ttlSeconds() != null) {
      body.put("ttlSeconds", agent.ttlSeconds());
    }
    return accepted("agent " + agent.id(), () -> client.post("/v1/agents", body));
  }

  /**
   * Appends the exported entries the agent's memory does not hold yet: none when it already
   * starts with them, the rest when it holds a first part of them (an import cut short). Answers
   * how many were appended, or -1 when the memory holds other entries (refused).
   */
  private long appendMissing(ServiceClient client, ExportFile.Memory memory)
      throws ServiceClient.Failure, InterruptedException {
    String path = "/v1/agents/" + URLEncoder.encode(memory.agentId(), StandardCharsets.UTF_8)
        + "/memory";
    List<JsonNode> present = new ArrayList<>();
    long after = 0;
    while (present.size() < memory.entries().size()) {
      JsonNode page = client.get(path + "?limit=1000&after=" + after).body();
      page.path("entries").forEach(present::add);
      if (!page.hasNonNull("nextAfter")) {
        break;
      }
      after = page.path("nextAfter").asLong();
    }
    for (int i = 0; i < Math.min(present.size(), memory.entries().size()); i++) {
      ExportFile.Entry wanted = memory.entries().get(i);
      JsonNode there = present.get(i);
      if (!there.path("text").asText().equals(wanted.text())
          || !there.path("kind").asText().equals(wanted.kind())) {
        refused.add("the memory of " + memory.agentId() + " already holds other entries (seq "
            + there.path("seq").asLong() + " differs); not imported");
        return -1;
      }
    }
    long appended = 0;
    for (int i = present.size(); i < memory.entries().size(); i++) {
      ExportFile.Entry entry = memory.entries().get(i);
      ObjectNode body = ServiceClient.json().createObjectNode()
          .put("kind", entry.kind()).put("text", entry.text());
      body.set("tags", ServiceClient.json().valueToTree(entry.tags()));
      if (!accepted("memory entry " + entry.seq() + " of " + memory.agentId(),
          () -> client.post(path, body))) {
        return -1;
      }
      appended++;
    }
    return appended;
  }

  private boolean submitted(ServiceClient client, ExportFile.Job job)
      throws ServiceClient.Failure, InterruptedException {
    ExportFile.Spec spec = job.spec();
    ObjectNode body = ServiceClient.json().createObjectNode()
        .put("prompt", spec.prompt())
        .put("priority", spec.priority())
        .put("maxAttempts", spec.maxAttempts())
        .put("timeoutSeconds", spec.timeoutSeconds())
        // the same job when imported again; a job that had a key keeps its id
        .put("idempotencyKey", spec.idempotencyKey() != null ? spec.idempotencyKey()
            : "import-" + job.id());
    putIfPresent(body, "agent", spec.agent());
    if (!spec.capabilities().isEmpty()) {
      body.set("capabilities", ServiceClient.json().valueToTree(spec.capabilities()));
    }
    putIfPresent(body, "cwd", spec.cwd());
    putIfPresent(body, "approval", spec.approval());
    if (spec.workspace() != null) {
      // the same repository and starting commit; the branch is the new job's own (its old one
      // may exist in the repository already, which a new job may not take)
      body.putObject("workspace").put("repo", spec.workspace().repo())
          .put("base", spec.workspace().baseCommit());
    }
    if (spec.deadline() != null) {
      long left = Duration.between(Clock.systemUTC().instant(), spec.deadline()).toSeconds();
      if (left < 1) {
        refused.add("job " + job.id() + ": its deadline " + spec.deadline() + " has passed; "
            + "not submitted again");
        return false;
      }
      body.put("deadlineSeconds", left);
    }
    return accepted("job " + job.id(), () -> client.post("/v1/jobs", body));
  }

  private static void putIfPresent(ObjectNode body, String field, String value) {
    if (value != null) {
      body.put(field, value);
    }
  }

  private interface Call {
    ServiceClient.Answer send() throws ServiceClient.Failure, InterruptedException;
  }

  /** The call's answer was 2xx; a refusal (4xx) is noted and the import goes on. */
  private boolean accepted(String what, Call call)
      throws ServiceClient.Failure, InterruptedException {
    try {
      call.send();
      return true;
    } catch (ServiceClient.Failure failure) {
      if (failure.exitCode == ClientExitCodes.USAGE || failure.exitCode == ClientExitCodes.CONFLICT
          || failure.exitCode == ClientExitCodes.NOT_FOUND) {
        refused.add(what + ": " + failure.getMessage());
        return false;
      }
      throw new ServiceClient.Failure(failure.exitCode, "import stopped at " + what + ": "
          + failure.getMessage() + " (running the import again is safe)");
    }
  }
}
