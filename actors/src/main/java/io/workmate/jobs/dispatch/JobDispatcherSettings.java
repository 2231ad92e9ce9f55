package io.workmate.jobs.dispatch;

import io.workmate.workspaces.Workspaces;
import org.apache.pekko.actor.typed.ActorRef;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.workmate.agents.AgentHandle;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.LedgerPart;
import io.workmate.support.Backoff;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * What a {@link JobDispatcher} is made with.
 *
 * @param backoff the delay before attempt n+1 is {@code backoff.delay(n - 1)}
 * @param clock stamps the job events and computes {@code retryAt} and deadlines
 * @param metrics where the dispatcher's meters go ({@link JobMetrics})
 * @param agents the agents at start (more come and go with {@link JobDispatcher.AgentsChanged})
 * @param defaultAgent the agent of jobs that name neither an agent nor capabilities (by
 *     default the first of {@code agents}); null: any agent
 * @param ledger the name of the {@link JobLedger} the jobs are journaled in
 * @param ledgerWriteInterval the least time between two journal writes of the ledger
 *     ({@link JobLedger#DEFAULT_WRITE_INTERVAL}); zero: each as soon as the last one ended
 * @param ledgerPart the ledger's shards (fixed for a journal once it holds jobs) and which of
 *     them this dispatcher holds: all, or one in a cluster
 * @param workspaces where jobs with a workspace get their git worktrees, or null: such jobs
 *     fail here
 */
public record JobDispatcherSettings(Backoff backoff, Clock clock, MeterRegistry metrics,
    List<AgentHandle> agents, String defaultAgent, String ledger,
    Duration ledgerWriteInterval, LedgerPart ledgerPart,
    ActorRef<Workspaces.Command> workspaces) {

  /** Without workspaces. */
  public JobDispatcherSettings(Backoff backoff, Clock clock, MeterRegistry metrics,
      List<AgentHandle> agents, String defaultAgent, String ledger,
      Duration ledgerWriteInterval, LedgerPart ledgerPart) {
    this(backoff, clock, metrics, agents, defaultAgent, ledger, ledgerWriteInterval, ledgerPart,
        null);
  }

  /** The name of the ledger unless told otherwise: one dispatcher per journal. */
  public static final String DEFAULT_LEDGER = "jobs";

  public JobDispatcherSettings {
    Objects.requireNonNull(backoff, "backoff");
    Objects.requireNonNull(ledger, "ledger");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(metrics, "metrics");
    Objects.requireNonNull(ledgerWriteInterval, "ledgerWriteInterval");
    if (ledgerWriteInterval.isNegative()) {
      throw new IllegalArgumentException(
          "ledgerWriteInterval must not be negative: " + ledgerWriteInterval);
    }
    Objects.requireNonNull(ledgerPart, "ledgerPart");
    agents = List.copyOf(agents);
  }

  /** The first of {@code agents} is the default agent. */
  public JobDispatcherSettings(Backoff backoff, Clock clock, MeterRegistry metrics,
      List<AgentHandle> agents) {
    this(backoff, clock, metrics, agents,
        agents.isEmpty() ? null : agents.get(0).id(), DEFAULT_LEDGER,
        JobLedger.DEFAULT_WRITE_INTERVAL, LedgerPart.all(JobLedger.LEGACY_SHARDS));
  }

  /** On the system clock. */
  public static JobDispatcherSettings of(Backoff backoff, List<AgentHandle> agents,
      MeterRegistry metrics) {
    return new JobDispatcherSettings(backoff, Clock.systemUTC(), metrics, agents);
  }

  /** As {@link #of(Backoff, List, MeterRegistry)} with meters nobody reads. */
  public static JobDispatcherSettings of(Backoff backoff, List<AgentHandle> agents) {
    return of(backoff, agents, new SimpleMeterRegistry());
  }

  public JobDispatcherSettings withClock(Clock newClock) {
    return new JobDispatcherSettings(backoff, newClock, metrics, agents, defaultAgent, ledger,
        ledgerWriteInterval, ledgerPart, workspaces);
  }

  /** The agents at start. */
  public JobDispatcherSettings withAgents(List<AgentHandle> startAgents) {
    return new JobDispatcherSettings(backoff, clock, metrics, startAgents, defaultAgent, ledger,
        ledgerWriteInterval, ledgerPart, workspaces);
  }

  /**
   * The agent a job naming neither an agent nor capabilities runs on, by id: it may come
   * later ({@link JobDispatcher.AgentsChanged}); null: any agent.
   */
  public JobDispatcherSettings withDefaultAgent(String agentId) {
    return new JobDispatcherSettings(backoff, clock, metrics, agents, agentId, ledger,
        ledgerWriteInterval, ledgerPart, workspaces);
  }

  /**
   * The ledger the jobs are journaled in ({@link JobLedger}), by name: a dispatcher finds the
   * jobs of an earlier run under the same name; two live dispatchers must not share one.
   */
  public JobDispatcherSettings withLedger(String name) {
    return new JobDispatcherSettings(backoff, clock, metrics, agents, defaultAgent, name,
        ledgerWriteInterval, ledgerPart, workspaces);
  }

  /** The least time between two journal writes of the ledger (zero: no pause). */
  public JobDispatcherSettings withLedgerWriteInterval(Duration interval) {
    return new JobDispatcherSettings(backoff, clock, metrics, agents, defaultAgent, ledger,
        interval, ledgerPart, workspaces);
  }

  /** The number of the ledger's shards; a journal's jobs are found only under the same number. */
  public JobDispatcherSettings withLedgerShards(int shards) {
    return withLedgerPart(LedgerPart.all(shards));
  }

  /** The ledger's shards, and which of them this dispatcher holds. */
  public JobDispatcherSettings withLedgerPart(LedgerPart part) {
    return new JobDispatcherSettings(backoff, clock, metrics, agents, defaultAgent, ledger,
        ledgerWriteInterval, part, workspaces);
  }

  /** Where jobs with a workspace get their worktrees. */
  public JobDispatcherSettings withWorkspaces(ActorRef<Workspaces.Command> newWorkspaces) {
    return new JobDispatcherSettings(backoff, clock, metrics, agents, defaultAgent, ledger,
        ledgerWriteInterval, ledgerPart, newWorkspaces);
  }
}
