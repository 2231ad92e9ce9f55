package io.workmate.agents;

import io.workmate.codex.ApprovalHandling;
import io.workmate.codex.CodexPool;
import io.workmate.codex.ThreadSettings;
import io.workmate.protocol.codex.ApprovalDecision;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * A local Codex agent ({@link AgentKind#CODEX}): each invocation is one turn on a fresh thread of
 * the {@link CodexPool}, run by a {@link CodexInvocation} child, so invocations never share a
 * conversation and one crashing does not touch the others.
 */
public final class CodexAgent {

  private record InvocationEnded(String invocationId) implements Agent.Command {}

  private final ActorContext<Agent.Command> context;
  private final ActorRef<CodexPool.Command> pool;
  private final ThreadSettings baseThread;
  private final Map<String, ActorRef<CodexInvocation.Command>> invocations = new HashMap<>();

  public static Behavior<Agent.Command> create(ActorRef<CodexPool.Command> pool,
      ThreadSettings baseThread) {
    Objects.requireNonNull(pool, "pool");
    Objects.requireNonNull(baseThread, "baseThread");
    return Behaviors.setup(context -> new CodexAgent(context, pool, baseThread).serving());
  }

  private CodexAgent(ActorContext<Agent.Command> context, ActorRef<CodexPool.Command> pool,
      ThreadSettings baseThread) {
    this.context = context;
    this.pool = pool;
    this.baseThread = baseThread;
  }

  private Behavior<Agent.Command> serving() {
    return Behaviors.receive(Agent.Command.class)
        .onMessage(Agent.Invoke.class, this::onInvoke)
        .onMessage(Agent.Interrupt.class, interrupt -> {
          var invocation = invocations.get(interrupt.invocationId());
          if (invocation != null) {
            invocation.tell(new CodexInvocation.Interrupt());
          }
          return Behaviors.same();
        })
        .onMessage(Agent.Decide.class, decide -> {
          var invocation = invocations.get(decide.invocationId());
          if (invocation == null) {
            decide.replyTo().tell(new Agent.Decided(false,
                "invocation " + decide.invocationId() + " is not running"));
          } else {
            invocation.tell(new CodexInvocation.Decide(decide.approvalId(), decide.decision(),
                decide.replyTo()));
          }
          return Behaviors.same();
        })
        .onMessage(InvocationEnded.class, ended -> {
          invocations.remove(ended.invocationId());
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Agent.Command> onInvoke(Agent.Invoke invoke) {
    Agent.Invocation invocation = invoke.invocation();
    if (invocations.containsKey(invocation.id())) {
      invoke.replyTo().tell(new Agent.Update.Finished(invocation.id(), Agent.Outcome.FAILED, null,
          "invocation " + invocation.id() + " is already running"));
      return Behaviors.same();
    }
    // approvals wait for the job's reviewer (POST /v1/approvals/{id}) until the timeout
    ThreadSettings thread = baseThread.withApprovals(
        ApprovalHandling.ask(invocation.timeout(), ApprovalDecision.DECLINE));
    ActorRef<CodexInvocation.Command> child = context.spawnAnonymous(
        CodexInvocation.create(pool, thread, invocation, invoke.replyTo()));
    context.watchWith(child, new InvocationEnded(invocation.id()));
    invocations.put(invocation.id(), child);
    return Behaviors.same();
  }
}
