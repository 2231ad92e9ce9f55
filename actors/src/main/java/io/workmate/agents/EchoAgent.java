package io.workmate.agents;

import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The no-op agent ({@link AgentKind#ECHO}): every invocation succeeds at once with the prompt as
 * its text. It measures what the queue itself costs (the job benchmark) and lets a demo or a
 * smoke test run jobs without a model.
 */
public final class EchoAgent {

  private EchoAgent() {}

  public static Behavior<Agent.Command> create() {
    return Behaviors.receive(Agent.Command.class)
        .onMessage(Agent.Invoke.class, invoke -> {
          String id = invoke.invocation().id();
          invoke.replyTo().tell(new Agent.Update.Started(id, null));
          invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.SUCCEEDED,
              invoke.invocation().prompt(), null));
          return Behaviors.same();
        })
        // Nothing is ever in progress: interrupts and decisions come too late by definition.
        .onMessage(Agent.Interrupt.class, interrupt -> Behaviors.same())
        .onMessage(Agent.Decide.class, decide -> {
          decide.replyTo().tell(new Agent.Decided(false, "the echo agent asks for no approvals"));
          return Behaviors.same();
        })
        .build();
  }
}
