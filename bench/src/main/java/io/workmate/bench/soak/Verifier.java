package io.workmate.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.bench.soak.ServiceApi.Answer;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * The check after a restart: every acknowledged write is there (a miss is a <em>loss</em>), and
 * what is there makes sense (a miss is an <em>inconsistency</em>): job histories, memory
 * sequence numbers, sync offsets. Uncertain writes (cut off by the kill) are settled from what
 * the service shows, so the next cycle knows what to expect.
 */
final class Verifier {

  /** What one check found, and how much it looked at. */
  record Findings(List<String> losses, List<String> inconsistencies, int jobs,
      int memoryEntries, int agents) {}

  private static final Set<String> FINAL_STATUSES = Set.of("succeeded", "cancelled", "dead");

  private final ServiceApi api;
  private final Acknowledged acked;
  private final Instant killedAt;
  private final List<String> losses = new ArrayList<>();
  private final List<String> inconsistencies = new ArrayList<>();

  Verifier(ServiceApi api, Acknowledged acked, Instant killedAt) {
    this.api = api;
    this.acked = acked;
    this.killedAt = killedAt;
  }

  Findings check() {
    Map<String, JsonNode> jobs = listJobs();
    acked.jobs.values().forEach(job -> checkJob(job, jobs.get(job.id())));
    int entries = checkMemory();
    checkSync();
    int agents = checkAgents();
    return new Findings(losses, inconsistencies, acked.jobs.size(), entries, agents);
  }

  /**
   * Notes the jobs the service shows in a final status (succeeded, cancelled, dead) that got
   * there at least {@code settled} ago: the ledger commits within milliseconds, so those are
   * in the journal. Called right before a kill; reads change nothing in the file.
   */
  static void noteFinals(ServiceApi api, Acknowledged acked, Duration settled, int cycle) {
    Instant before = Instant.now().minus(settled);
    listJobs(api).forEach((id, job) -> {
      String status = job.path("status").asText();
      if (acked.jobs.containsKey(id) && !acked.finals.containsKey(id)
          && FINAL_STATUSES.contains(status) && job.path("updatedAt").isTextual()
          && Instant.parse(job.path("updatedAt").asText()).isBefore(before)) {
        acked.finals.put(id, new Acknowledged.Final(status, job.path("attempts").asInt(),
            job.path("updatedAt").asText(), cycle));
      }
    });
  }

  private Map<String, JsonNode> listJobs() {
    return listJobs(api);
  }

  private static Map<String, JsonNode> listJobs(ServiceApi api) {
    Map<String, JsonNode> jobs = new HashMap<>();
    String after = null;
    do {
      JsonNode page = must(api.get("/v1/jobs?limit=1000" + (after == null ? "" : "&after="
          + after)));
      page.path("jobs").forEach(job -> jobs.put(job.path("id").asText(), job));
      after = page.path("next").isTextual() ? page.path("next").asText() : null;
    } while (after != null);
    return jobs;
  }

  private void checkJob(Acknowledged.Job job, JsonNode listed) {
    String what = "job " + job.id() + " (" + job.kind() + ", cycle " + job.cycle() + ")";
    if (listed == null || !api.get("/v1/jobs/" + job.id()).is(200)) {
      losses.add(what + ": acknowledged with 202, missing after the restart");
      return;
    }
    JobHistoryCheck.Result history = JobHistoryCheck.read(api, job.id(), killedAt);
    history.problems().forEach(problem -> inconsistencies.add(what + ": " + problem));
    String status = history.status();
    // a loss is reported once: afterwards what the service shows is what the next check expects
    if (acked.cancelled.contains(job.id()) && !status.equals("cancelled")) {
      losses.add(what + ": its cancel was acknowledged, but it is " + status);
      acked.cancelled.remove(job.id());
    }
    if (acked.cancelUncertain.remove(job.id()) && status.equals("cancelled")) {
      acked.cancelled.add(job.id()); // the cut-off cancel did land: from now on it must stay
    }
    Acknowledged.Final seen = acked.finals.get(job.id());
    JsonNode now = api.get("/v1/jobs/" + job.id()).body();
    if (seen != null && !(seen.status().equals(now.path("status").asText())
        && seen.attempts() == now.path("attempts").asInt()
        && seen.updatedAt().equals(now.path("updatedAt").asText()))) {
      losses.add(what + ": was " + seen.status() + " after " + seen.attempts() + " attempt(s) at "
          + seen.updatedAt() + " (seen before the kill of cycle " + seen.cycle() + "), after the "
          + "restart it is " + now.path("status").asText() + " after " + now.path("attempts")
          + " attempt(s) at " + now.path("updatedAt").asText());
      acked.finals.remove(job.id());
    }
    String key = job.request().path("idempotencyKey").asText(null);
    if (key != null) {
      Answer again = api.post("/v1/jobs", job.request());
      if (!again.ok() || !again.body().path("id").asText().equals(job.id())) {
        losses.add(what + ": idempotency key " + key + " now answers " + again);
      }
    }
  }

  private int checkMemory() {
    int entries = 0;
    for (Map.Entry<String, TreeMap<Long, String>> agent : acked.memory.entrySet()) {
      Map<Long, String> stored = new HashMap<>();
      long lastSeq = 0;
      long after = 0;
      while (true) {
        JsonNode page = must(api.get("/v1/agents/" + agent.getKey() + "/memory?limit=1000&after="
            + after));
        lastSeq = page.path("lastSeq").asLong();
        for (JsonNode entry : page.path("entries")) {
          long seq = entry.path("seq").asLong();
          if (stored.put(seq, entry.path("text").asText()) != null || seq != stored.size()) {
            inconsistencies.add("memory of " + agent.getKey() + ": seq " + seq + " out of order "
                + "or twice (entry " + stored.size() + " of the listing)");
          }
        }
        if (!page.path("nextAfter").canConvertToLong()) {
          break;
        }
        after = page.path("nextAfter").asLong();
      }
      entries += stored.size();
      if (lastSeq != stored.size()) {
        inconsistencies.add("memory of " + agent.getKey() + ": lastSeq " + lastSeq + " but "
            + stored.size() + " entries");
      }
      agent.getValue().forEach((seq, text) -> {
        if (!text.equals(stored.get(seq))) {
          losses.add("memory of " + agent.getKey() + ": acknowledged entry " + seq + " '" + text
              + "' is " + (stored.containsKey(seq) ? "'" + stored.get(seq) + "'" : "missing"));
        }
      });
    }
    return entries;
  }

  private void checkSync() {
    for (JsonNode agent : must(api.get("/v1/memory/sync")).path("agents")) {
      String id = agent.path("agentId").asText();
      long local = agent.path("localSeq").asLong();
      long synced = agent.path("syncedSeq").asLong();
      if (synced > local) {
        inconsistencies.add("memory sync of " + id + ": syncedSeq " + synced
            + " is ahead of localSeq " + local + " (" + agent + ")");
      }
    }
  }

  private int checkAgents() {
    Map<String, JsonNode> present = new HashMap<>();
    must(api.get("/v1/agents")).path("agents")
        .forEach(agent -> present.put(agent.path("id").asText(), agent));
    for (String builtin : List.of("codex", "echo")) {
      if (!present.containsKey(builtin)) {
        inconsistencies.add("the built-in agent " + builtin + " is not registered");
      }
    }
    for (Acknowledged.Agent expected : List.copyOf(acked.agents.values())) {
      JsonNode agent = present.get(expected.id());
      if (expected.uncertain()) {
        // the kill cut the request off: whatever the service shows is the truth from now on
        acked.agents.put(expected.id(), agent == null
            ? new Acknowledged.Agent(expected.id(), false, null, null, false)
            : new Acknowledged.Agent(expected.id(), true, expected.settings(),
                AgentCheck.expiresAt(agent), false));
        if (agent != null && expected.settings() != null) {
          AgentCheck.compare(expected, agent, inconsistencies);
        }
        continue;
      }
      List<String> found = new ArrayList<>();
      if (expected.registered() && agent == null) {
        found.add("agent " + expected.id() + ": registration acknowledged, missing after the "
            + "restart");
      } else if (!expected.registered() && agent != null) {
        found.add("agent " + expected.id() + ": deregistration acknowledged, registered again "
            + "after the restart: " + agent);
      } else if (agent != null) {
        AgentCheck.compare(expected, agent, found);
      }
      if (!found.isEmpty()) {
        losses.addAll(found);
        // reported once; from now on the registration the service shows is the one expected
        acked.agents.put(expected.id(), agent == null
            ? new Acknowledged.Agent(expected.id(), false, null, null, false)
            : new Acknowledged.Agent(expected.id(), true, settingsOf(agent),
                AgentCheck.expiresAt(agent), false));
      }
    }
    return present.size();
  }

  private static ObjectNode settingsOf(JsonNode agent) {
    ObjectNode settings = ServiceApi.JSON.createObjectNode();
    for (String field : List.of("id", "kind", "capabilities", "maxConcurrent", "ttlSeconds")) {
      settings.set(field, agent.path(field));
    }
    return settings;
  }

  private static JsonNode must(Answer answer) {
    if (!answer.is(200)) {
      throw new IllegalStateException("the check could not read the service: " + answer);
    }
    return answer.body();
  }
}
