package io.workmate.server.http;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.workmate.agents.Agent;
import io.workmate.codex.PendingApproval;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Agents with a fixed behaviour, so the API's cancel, dead-letter and approval routes run against
 * the real dispatcher without a model: {@link #holding} runs until interrupted, {@link #failing}
 * fails every attempt, {@link #asking} streams an item, asks for approval and finishes with the
 * decision.
 */
final class TestAgents {

  private TestAgents() {}

  /** Starts and never finishes on its own; an interrupt ends the invocation. */
  static Behavior<Agent.Command> holding() {
    Map<String, ActorRef<Agent.Update>> running = new HashMap<>();
    return Behaviors.receive(Agent.Command.class)
        .onMessage(Agent.Invoke.class, invoke -> {
          String id = invoke.invocation().id();
          running.put(id, invoke.replyTo());
          invoke.replyTo().tell(new Agent.Update.Started(id, "thread-" + id));
          return Behaviors.same();
        })
        .onMessage(Agent.Interrupt.class, interrupt -> {
          ActorRef<Agent.Update> replyTo = running.remove(interrupt.invocationId());
          if (replyTo != null) {
            replyTo.tell(new Agent.Update.Finished(interrupt.invocationId(),
                Agent.Outcome.INTERRUPTED, null, "interrupted"));
          }
          return Behaviors.same();
        })
        .onMessage(Agent.Decide.class, TestAgents::refuseDecision)
        .build();
  }

  /**
   * Starts at once and succeeds (with the prompt) only when {@code gate} completes, so a test can
   * hold a job running, and the next one queued behind it.
   */
  static Behavior<Agent.Command> gated(java.util.concurrent.CompletableFuture<Void> gate) {
    return Behaviors.receive(Agent.Command.class)
        .onMessage(Agent.Invoke.class, invoke -> {
          String id = invoke.invocation().id();
          invoke.replyTo().tell(new Agent.Update.Started(id, "thread-" + id));
          // telling a ref is safe from any thread
          gate.thenRun(() -> invoke.replyTo().tell(new Agent.Update.Finished(id,
              Agent.Outcome.SUCCEEDED, invoke.invocation().prompt(), null)));
          return Behaviors.same();
        })
        .onMessage(Agent.Interrupt.class, interrupt -> Behaviors.same())
        .onMessage(Agent.Decide.class, TestAgents::refuseDecision)
        .build();
  }

  /** Every attempt fails at once, like a provider answering HTTP 500. */
  static Behavior<Agent.Command> failing() {
    return Behaviors.receive(Agent.Command.class)
        .onMessage(Agent.Invoke.class, invoke -> {
          String id = invoke.invocation().id();
          invoke.replyTo().tell(new Agent.Update.Started(id, null));
          invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.FAILED, null,
              "provider answered HTTP 500"));
          return Behaviors.same();
        })
        .onMessage(Agent.Interrupt.class, interrupt -> Behaviors.same())
        .onMessage(Agent.Decide.class, TestAgents::refuseDecision)
        .build();
  }

  /** Streams one delta, then waits for a reviewer; the answer becomes the job's text. */
  static Behavior<Agent.Command> asking() {
    Map<String, ActorRef<Agent.Update>> waiting = new HashMap<>();
    return Behaviors.receive(Agent.Command.class)
        .onMessage(Agent.Invoke.class, invoke -> {
          String id = invoke.invocation().id();
          waiting.put(id, invoke.replyTo());
          invoke.replyTo().tell(new Agent.Update.Started(id, "thread-" + id));
          invoke.replyTo().tell(new Agent.Update.Item(id, "agent_message_delta",
              JsonNodeFactory.instance.objectNode().put("itemId", "msg-1")
                  .put("delta", "may I? ")));
          invoke.replyTo().tell(new Agent.Update.ApprovalRequested(id, new PendingApproval(
              "approval-" + id.replace('#', '-'), "thread-" + id, "turn-1", "command",
              "item/commandExecution/requestApproval", "rm -rf build", "/tmp", "cleanup",
              Instant.now(), Instant.now().plusSeconds(600))));
          return Behaviors.same();
        })
        .onMessage(Agent.Decide.class, decide -> {
          ActorRef<Agent.Update> replyTo = waiting.remove(decide.invocationId());
          if (replyTo == null) {
            decide.replyTo().tell(new Agent.Decided(false, "nothing waits"));
            return Behaviors.same();
          }
          decide.replyTo().tell(new Agent.Decided(true, "ok"));
          replyTo.tell(new Agent.Update.ApprovalResolved(decide.invocationId(),
              decide.approvalId(), decide.decision().wire()));
          replyTo.tell(new Agent.Update.Finished(decide.invocationId(), Agent.Outcome.SUCCEEDED,
              "reviewer said " + decide.decision().wire(), null));
          return Behaviors.same();
        })
        .onMessage(Agent.Interrupt.class, interrupt -> {
          ActorRef<Agent.Update> replyTo = waiting.remove(interrupt.invocationId());
          if (replyTo != null) {
            replyTo.tell(new Agent.Update.Finished(interrupt.invocationId(),
                Agent.Outcome.INTERRUPTED, null, "interrupted"));
          }
          return Behaviors.same();
        })
        .build();
  }

  /** The answer of an agent that holds no approvals. */
  private static Behavior<Agent.Command> refuseDecision(Agent.Decide decide) {
    decide.replyTo().tell(new Agent.Decided(false, "no approvals here"));
    return Behaviors.same();
  }
}
