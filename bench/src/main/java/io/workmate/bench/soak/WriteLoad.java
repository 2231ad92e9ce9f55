package io.workmate.bench.soak;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.bench.soak.ServiceApi.Answer;
import io.workmate.bench.soak.SoakProfile.Write;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Sends the writes of one cycle and books every acknowledged one in {@link Acknowledged}. Each
 * write is planned as a {@link Request} first, so the same write can be sent and awaited, or
 * sent and cut off by the kill (then its outcome is unknown and only {@code onNoAnswer} runs).
 */
final class WriteLoad {

  static final int MEMORY_AGENTS = 4;
  static final int REGISTERED_AGENTS = 20;
  private static final String[] MEMORY_KINDS = {"note", "fact", "summary"};
  private static final String[] MODES = {"offline", "local", "auto"};

  /** One HTTP write and what its answer means. */
  record Request(Write kind, String method, String path, Object body,
      Consumer<Answer> onAnswer, Runnable onNoAnswer) {}

  private final ServiceApi api;
  private final Random random;
  private final Acknowledged acked;
  private final int cycle;
  private final long seed;
  private final List<String> losses;
  /** Answers that were neither an acknowledgement nor an expected refusal (e.g. a 503). */
  final List<String> unexpected = new ArrayList<>();
  /** Jobs of this cycle that may still be queued or running: what a cancel aims at. */
  private final List<String> cancellable = new ArrayList<>();
  private int serial;

  WriteLoad(ServiceApi api, Random random, Acknowledged acked, int cycle, long seed,
      List<String> losses) {
    this.api = api;
    this.random = random;
    this.acked = acked;
    this.cycle = cycle;
    this.seed = seed;
    this.losses = losses;
  }

  /** Sends one write of this kind and waits for its answer. */
  void send(Write kind) {
    Request request = plan(kind);
    answered(request, switch (request.method) {
      case "POST" -> api.post(request.path, request.body);
      case "PUT" -> api.put(request.path, request.body);
      case "DELETE" -> api.delete(request.path);
      default -> throw new IllegalStateException(request.method);
    });
  }

  /** A POST write that the kill may cut off (submits, appends and registrations). */
  Request planInterruptible() {
    Write kind = switch (random.nextInt(3)) {
      case 0 -> Write.ECHO_JOB;
      case 1 -> Write.MEMORY_APPEND;
      default -> Write.AGENT_REGISTER;
    };
    return plan(kind);
  }

  void answered(Request request, Answer answer) {
    if (answer.status() == 0) {
      request.onNoAnswer.run();
      unexpected.add(request.kind + " " + request.path + ": " + answer);
    } else {
      request.onAnswer.accept(answer);
    }
  }

  private Request plan(Write kind) {
    return switch (kind) {
      case ECHO_JOB -> submit(kind, job("soak c" + cycle + " n" + (++serial) + " echo "
          + filler()).put("agent", "echo"));
      case CODEX_JOB -> submit(kind, job("[[reply:soak c" + cycle + " n" + (++serial) + "]]"));
      case SLOW_CODEX_JOB -> submit(kind, job("[[delay:" + (1_000 + random.nextInt(7_000))
          + "]][[reply:soak c" + cycle + " n" + (++serial) + " slow]]"));
      case APPROVAL_JOB -> submit(kind, job("[[exec:echo hi]]").put("approval", "untrusted")
          // a job left waiting at a kill asks again after the restart: two tries, then dead
          .put("maxAttempts", 2));
      case CANCEL -> cancel();
      case ANSWER_APPROVAL -> answerApproval();
      case MEMORY_APPEND -> appendMemory();
      case AGENT_REGISTER -> register();
      case AGENT_HEARTBEAT -> heartbeat();
      case AGENT_DEREGISTER -> deregister();
      case MODE_CHANGE -> new Request(kind, "PUT", "/v1/mode",
          ServiceApi.JSON.createObjectNode().put("mode", MODES[random.nextInt(MODES.length)]),
          answer -> expect(kind, answer, 200), () -> { });
    };
  }

  /**
   * Text of a random length (up to 4 KB), so the journal's commits vary in size as real
   * prompts do. With equal-sized commits H2 predicts where each next chunk goes and is right;
   * the 2.5.x loss needs a chunk that lands somewhere else than predicted.
   */
  private String filler() {
    char[] text = new char[random.nextInt(4_096)];
    for (int i = 0; i < text.length; i++) {
      text[i] = (char) ('a' + random.nextInt(26));
    }
    return new String(text);
  }

  private ObjectNode job(String prompt) {
    ObjectNode body = ServiceApi.JSON.createObjectNode().put("prompt", prompt)
        .put("priority", random.nextInt(11) - 5);
    if (random.nextInt(4) == 0) {
      // idempotency keys must survive a restart too: the check submits the same key again
      body.put("idempotencyKey", "soak-" + seed + "-c" + cycle + "-n" + serial);
    }
    return body;
  }

  private Request submit(Write kind, ObjectNode body) {
    return new Request(kind, "POST", "/v1/jobs", body, answer -> {
      if (expect(kind, answer, 202)) {
        String id = answer.body().path("id").asText();
        acked.jobs.put(id, new Acknowledged.Job(id, kind, body, cycle));
        if (kind == Write.SLOW_CODEX_JOB || kind == Write.APPROVAL_JOB) {
          cancellable.add(id);
        }
      }
    }, () -> { });
  }

  private Request cancel() {
    if (cancellable.isEmpty()) {
      send(Write.SLOW_CODEX_JOB); // something to cancel, itself an acknowledged write
    }
    if (cancellable.isEmpty()) {
      return plan(Write.ECHO_JOB);
    }
    String id = cancellable.remove(random.nextInt(cancellable.size()));
    return new Request(Write.CANCEL, "POST", "/v1/jobs/" + id + "/cancel",
        ServiceApi.JSON.createObjectNode(), answer -> {
          // 409: it had finished already, nothing was promised
          if (answer.is(200)) {
            acked.cancelled.add(id);
            acked.count(Write.CANCEL);
          } else if (!answer.is(409)) {
            unexpected.add("cancel " + id + ": " + answer);
          }
        }, () -> acked.cancelUncertain.add(id));
  }

  private Request answerApproval() {
    JsonNode pending = api.get("/v1/approvals").body().path("approvals");
    if (pending.isEmpty()) {
      return plan(Write.MEMORY_APPEND);
    }
    JsonNode approval = pending.get(random.nextInt(pending.size()));
    String decision = random.nextInt(10) < 7 ? "accept" : "decline";
    return new Request(Write.ANSWER_APPROVAL, "POST",
        "/v1/approvals/" + approval.path("id").asText(),
        ServiceApi.JSON.createObjectNode().put("decision", decision), answer -> {
          // 404/409: the turn ended meanwhile (a timeout, a cancel)
          if (answer.is(200)) {
            acked.count(Write.ANSWER_APPROVAL);
          } else if (!answer.is(404) && !answer.is(409)) {
            unexpected.add("approval " + approval.path("id").asText() + ": " + answer);
          }
        }, () -> { });
  }

  private Request appendMemory() {
    String agent = "soak-mem-" + random.nextInt(MEMORY_AGENTS);
    String text = "soak c" + cycle + " n" + (++serial) + " " + Long.toHexString(random.nextLong());
    ObjectNode body = ServiceApi.JSON.createObjectNode()
        .put("kind", MEMORY_KINDS[random.nextInt(MEMORY_KINDS.length)]).put("text", text);
    body.putArray("tags").add("soak").add("c" + cycle);
    return new Request(Write.MEMORY_APPEND, "POST", "/v1/agents/" + agent + "/memory", body,
        answer -> {
          if (expect(Write.MEMORY_APPEND, answer, 201)) {
            long seq = answer.body().path("entry").path("seq").asLong();
            if (seq <= acked.maxSeq(agent)) {
              // a seq handed out again: an acknowledged entry before it was forgotten
              losses.add("memory of " + agent + ": new entry got seq " + seq
                  + ", but seq " + acked.maxSeq(agent) + " was acknowledged before");
            }
            acked.memory.computeIfAbsent(agent, a -> new TreeMap<>()).put(seq, text);
          }
        }, () -> { });
  }

  private Request register() {
    String id = "soak-agent-" + random.nextInt(REGISTERED_AGENTS);
    Acknowledged.Agent known = acked.agents.get(id);
    ObjectNode settings = known != null && known.registered() ? known.settings()
        : ServiceApi.JSON.createObjectNode().put("id", id).put("kind", "echo")
            .put("maxConcurrent", 1 + random.nextInt(4)).put("ttlSeconds", 86_400);
    if (known == null || !known.registered()) {
      settings.putArray("capabilities").add("soak-cap-" + random.nextInt(5));
    }
    return new Request(Write.AGENT_REGISTER, "POST", "/v1/agents", settings, answer -> {
      if (answer.is(201) || answer.is(200)) {
        acked.count(Write.AGENT_REGISTER);
        acked.agents.put(id, new Acknowledged.Agent(id, true, settings,
            expiresAt(answer.body()), false));
      } else {
        unexpected.add("register " + id + ": " + answer);
      }
    }, () -> acked.agents.put(id, new Acknowledged.Agent(id, true, settings, null, true)));
  }

  private Request heartbeat() {
    List<Acknowledged.Agent> alive = acked.agents.values().stream()
        .filter(a -> a.registered() && !a.uncertain()).toList();
    if (alive.isEmpty()) {
      return register();
    }
    Acknowledged.Agent agent = alive.get(random.nextInt(alive.size()));
    return new Request(Write.AGENT_HEARTBEAT, "POST", "/v1/agents/" + agent.id() + "/heartbeat",
        ServiceApi.JSON.createObjectNode(), answer -> {
          if (expect(Write.AGENT_HEARTBEAT, answer, 200)) {
            acked.agents.put(agent.id(), new Acknowledged.Agent(agent.id(), true,
                agent.settings(), expiresAt(answer.body()), false));
          }
        }, () -> { });
  }

  private Request deregister() {
    List<Acknowledged.Agent> alive = acked.agents.values().stream()
        .filter(a -> a.registered() && !a.uncertain()).toList();
    if (alive.isEmpty()) {
      return register();
    }
    Acknowledged.Agent agent = alive.get(random.nextInt(alive.size()));
    return new Request(Write.AGENT_DEREGISTER, "DELETE", "/v1/agents/" + agent.id(), null,
        answer -> {
          if (expect(Write.AGENT_DEREGISTER, answer, 200)) {
            acked.agents.put(agent.id(),
                new Acknowledged.Agent(agent.id(), false, null, null, false));
          }
        }, () -> acked.agents.put(agent.id(), new Acknowledged.Agent(agent.id(), false,
            agent.settings(), agent.expiresAt(), true)));
  }

  private boolean expect(Write kind, Answer answer, int status) {
    if (answer.is(status)) {
      acked.count(kind);
      return true;
    }
    unexpected.add(kind + ": " + answer);
    return false;
  }

  private static Instant expiresAt(JsonNode agent) {
    JsonNode at = agent.has("agent") ? agent.path("agent").path("expiresAt")
        : agent.path("expiresAt");
    return at.isTextual() ? Instant.parse(at.asText()) : null;
  }
}
