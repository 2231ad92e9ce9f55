package io.workmate.registry;

import io.workmate.agents.AgentRegistration;
import io.workmate.persistence.CborSerializable;
import java.time.Instant;
import java.util.Objects;

/**
 * An agent the registry holds: its registration and its times.
 *
 * @param registeredAt when it was first registered (a re-registration keeps it)
 * @param lastHeartbeatAt the last heartbeat that moved its deadline (registration counts as one)
 * @param expiresAt when it expires without another heartbeat; null for an agent without TTL
 */
public record RegisteredAgent(AgentRegistration registration, Instant registeredAt,
    Instant lastHeartbeatAt, Instant expiresAt) implements CborSerializable {

  public RegisteredAgent {
    Objects.requireNonNull(registration, "registration");
    Objects.requireNonNull(registeredAt, "registeredAt");
    Objects.requireNonNull(lastHeartbeatAt, "lastHeartbeatAt");
  }

  public String id() {
    return registration.id();
  }

  /** Its deadline has passed (never true for an agent without TTL). */
  public boolean expiredAt(Instant now) {
    return expiresAt != null && !now.isBefore(expiresAt);
  }

  RegisteredAgent heartbeat(Instant at, Instant newDeadline) {
    return new RegisteredAgent(registration, registeredAt, at, newDeadline);
  }
}
