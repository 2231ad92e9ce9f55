package io.workmate.registry;

import io.workmate.agents.AgentRegistration;
import io.workmate.persistence.CborSerializable;
import java.time.Instant;

/** What the registry journals. Expiry deadlines are in the events, so they survive restarts. */
public sealed interface AgentEvent extends CborSerializable {

  String agentId();

  /** A new agent, or one whose previous registration ended (deregistered or expired). */
  record Registered(AgentRegistration registration, Instant at, Instant expiresAt)
      implements AgentEvent {
    @Override
    public String agentId() {
      return registration.id();
    }
  }

  /** A heartbeat (or an identical re-registration) moved the deadline. */
  record HeartbeatRecorded(String agentId, Instant at, Instant expiresAt) implements AgentEvent {}

  record Deregistered(String agentId, Instant at) implements AgentEvent {}

  /** Its deadline passed without a heartbeat. */
  record Expired(String agentId, Instant deadline, Instant at) implements AgentEvent {}
}
