package io.workmate.jobs.dispatch;

import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.jobs.JobSpec;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The agents jobs can run on and the routing rule: a job naming an agent runs on that agent
 * (which must also offer the job's capabilities); a job naming capabilities on the least busy
 * agent offering all of them; a job naming neither on the default agent. Each agent's
 * {@link AgentSlot} keeps its {@code maxConcurrent} and rate limit. Not thread-safe: the
 * dispatcher's.
 */
final class AgentSlots {

  /** Agents by id, in id order (the least-busy pick is then deterministic). */
  private final TreeMap<String, AgentSlot> slots = new TreeMap<>();
  private final String defaultAgent;

  /** @param defaultAgent the agent of jobs naming neither agent nor capabilities; null: any */
  AgentSlots(List<AgentHandle> agents, String defaultAgent) {
    this.defaultAgent = defaultAgent;
    agents.forEach(handle -> slots.put(handle.id(), new AgentSlot(handle)));
  }

  /** The agents now; an agent that stays keeps its running count and recent starts. */
  void replaceAll(List<AgentHandle> agents) {
    Map<String, AgentSlot> next = new TreeMap<>();
    for (AgentHandle handle : agents) {
      AgentSlot slot = slots.get(handle.id());
      if (slot != null) {
        slot.replace(handle);
      } else {
        slot = new AgentSlot(handle);
      }
      next.put(handle.id(), slot);
    }
    slots.clear();
    slots.putAll(next);
  }

  /** The kind of the agent {@code agentId}, or null when it is gone. */
  AgentKind kindOf(String agentId) {
    AgentSlot slot = slots.get(agentId);
    return slot == null ? null : slot.handle().profile().kind();
  }

  /**
   * The agent called {@code name}: that id, or, for a plain name, the agent of that name on this
   * node ({@code codex} finds {@code codex@node-a}).
   */
  private AgentSlot named(String name) {
    AgentSlot slot = slots.get(name);
    if (slot != null || name.indexOf('@') >= 0) {
      return slot;
    }
    Map.Entry<String, AgentSlot> local = slots.ceilingEntry(name + "@");
    return local != null && local.getKey().startsWith(name + "@") ? local.getValue() : null;
  }

  boolean anyFits(JobSpec spec) {
    if (spec.agent() != null) {
      AgentSlot slot = named(spec.agent());
      return slot != null && slot.offersAll(spec.capabilities());
    }
    if (spec.capabilities().isEmpty() && defaultAgent != null) {
      return named(defaultAgent) != null;
    }
    return slots.values().stream().anyMatch(slot -> slot.offersAll(spec.capabilities()));
  }

  String noAgentMessage(JobSpec spec) {
    if (spec.agent() != null) {
      AgentSlot slot = named(spec.agent());
      return slot == null
          ? "no agent '" + spec.agent() + "'; agents: " + String.join(", ", slots.keySet())
          : "agent '" + spec.agent() + "' does not offer all of " + spec.capabilities();
    }
    if (spec.capabilities().isEmpty()) {
      return "no default agent is running";
    }
    return "no agent offers all of " + spec.capabilities();
  }

  /** The agent the job should start on now, or null when none that fits has room. */
  AgentSlot pick(JobSpec spec, Instant now) {
    if (spec.agent() != null || (spec.capabilities().isEmpty() && defaultAgent != null)) {
      AgentSlot slot = named(spec.agent() != null ? spec.agent() : defaultAgent);
      return slot != null && slot.offersAll(spec.capabilities()) && slot.hasCapacity()
          && slot.withinRate(now) ? slot : null;
    }
    AgentSlot best = null;
    for (AgentSlot slot : slots.values()) {
      if (slot.offersAll(spec.capabilities()) && slot.hasCapacity() && slot.withinRate(now)
          && (best == null || slot.running() < best.running())) {
        best = slot;
      }
    }
    return best;
  }

  boolean anyFree(Instant now) {
    for (AgentSlot slot : slots.values()) {
      if (slot.hasCapacity() && slot.withinRate(now)) {
        return true;
      }
    }
    return false;
  }

  /** When a rate-limited agent with room may start again, or null when none waits on its rate. */
  Instant nextRateWindow(Instant now) {
    Instant earliest = null;
    for (AgentSlot slot : slots.values()) {
      if (slot.hasCapacity() && !slot.withinRate(now)) {
        Instant at = slot.nextStartAllowed(now);
        earliest = earliest == null || at.isBefore(earliest) ? at : earliest;
      }
    }
    return earliest;
  }

  /** Attempts in progress per agent, by id. */
  Map<String, Integer> runningByAgent() {
    Map<String, Integer> byAgent = new TreeMap<>();
    slots.values().forEach(slot -> byAgent.put(slot.id(), slot.running()));
    return byAgent;
  }
}
