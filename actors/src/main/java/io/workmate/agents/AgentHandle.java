package io.workmate.agents;

import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;

/** A live agent: what it offers and the actor that invokes it. */
public record AgentHandle(AgentProfile profile, ActorRef<Agent.Command> ref) {
  public AgentHandle {
    Objects.requireNonNull(profile, "profile");
    Objects.requireNonNull(ref, "ref");
  }

  public String id() {
    return profile.id();
  }
}
