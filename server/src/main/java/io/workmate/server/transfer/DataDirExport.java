package io.workmate.server.transfer;

import com.typesafe.config.Config;
import io.workmate.agents.AgentRegistration;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.LedgerPart;
import io.workmate.memory.AgentMemory;
import io.workmate.memory.MemoryEntry;
import io.workmate.persistence.JournalStartup;
import io.workmate.registry.AgentFactories;
import io.workmate.registry.AgentRegistry;
import io.workmate.registry.RegisteredAgent;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.RecipientRef;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;

/**
 * Reads what the journal of a stopped single service holds — its agents, every agent's memory
 * and every job — into the lines of an {@link ExportFile}. It recovers the same event-sourced
 * actors the service runs (the registry {@code agent-registry|default}, each {@code memory|<id>},
 * the job ledger's shards) on an actor system of its own and asks them, so it reads the journal
 * exactly as the service would.
 */
public final class DataDirExport {

  private static final Duration ASK_TIMEOUT = Duration.ofMinutes(2);
  private static final String MEMORY_PREFIX = AgentMemory.ENTITY_TYPE + "|";

  private final ActorSystem<Void> system;
  private final Clock clock;

  private DataDirExport(ActorSystem<Void> system, Clock clock) {
    this.system = system;
    this.clock = clock;
  }

  /**
   * @param config the service's config with its journal overlaid
   * @param ledgerShards the job ledger's shards, as recorded for the data dir
   * @throws ExportFailed naming what could not be read
   */
  public static List<ExportFile.Line> read(Config config, int ledgerShards, Path dataDir,
      Clock clock) throws ExportFailed {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "workmate-export", config);
    try {
      JournalStartup.start(system);
      DataDirExport export = new DataDirExport(system, clock);
      List<ExportFile.Agent> agents = export.agents();
      List<ExportFile.Memory> memories = export.memories();
      List<ExportFile.Job> jobs = export.jobs(ledgerShards);
      List<ExportFile.Line> lines = new ArrayList<>();
      lines.add(new ExportFile.Header(ExportFile.FORMAT, ExportFile.VERSION, clock.instant(),
          dataDir.toAbsolutePath().toString(), agents.size(), memories.size(), jobs.size()));
      lines.addAll(agents);
      lines.addAll(memories);
      lines.addAll(jobs);
      return lines;
    } catch (RuntimeException e) {
      throw new ExportFailed("the journal cannot be read: " + e.getMessage());
    } finally {
      system.terminate();
      try {
        system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      } catch (InterruptedException | ExecutionException | TimeoutException e) {
        // exiting anyway
      }
    }
  }

  /** Something of the journal could not be read; the message says what. */
  public static final class ExportFailed extends Exception {
    ExportFailed(String message) {
      super(message);
    }
  }

  private List<ExportFile.Agent> agents() throws ExportFailed {
    // recovers the registry without building an actor per agent: only its records are wanted
    ActorRef<AgentRegistry.Command> registry = system.systemActorOf(AgentRegistry.create(
        "default", AgentFactories.none().registrationsOnly(Set.of()), clock),
        "agent-registry", Props.empty());
    AgentRegistry.Agents agents =
        ask(registry, AgentRegistry.ListAgents::new, "the agent registry");
    return agents.agents().stream().map(RegisteredAgent::registration)
        .map(DataDirExport::agent).toList();
  }

  private static ExportFile.Agent agent(AgentRegistration registration) {
    return new ExportFile.Agent(registration.id(), registration.kind().wireName(),
        List.copyOf(new java.util.TreeSet<>(registration.profile().capabilities())),
        registration.profile().maxConcurrent(), registration.profile().rateLimitPerMinute(),
        registration.endpoint(), registration.model(), registration.cwd(),
        registration.ttl().toSeconds());
  }

  private List<ExportFile.Memory> memories() throws ExportFailed {
    List<String> agentIds = await(PersistenceQuery.get(system)
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier())
        .currentPersistenceIds()
        .filter(id -> id.startsWith(MEMORY_PREFIX))
        .map(id -> id.substring(MEMORY_PREFIX.length()))
        .runWith(Sink.seq(), system), "the memories' ids");
    List<ExportFile.Memory> memories = new ArrayList<>();
    for (String agentId : agentIds.stream().sorted().toList()) {
      ActorRef<AgentMemory.Command> memory = system.systemActorOf(AgentMemory.create(agentId),
          "memory-" + memories.size(), Props.empty());
      List<ExportFile.Entry> entries = new ArrayList<>();
      while (true) {
        long after = entries.size();
        AgentMemory.Reply reply = ask(memory,
            replyTo -> new AgentMemory.Read(after, AgentMemory.MAX_READ, replyTo),
            "the memory of " + agentId);
        if (!(reply instanceof AgentMemory.Reply.Entries page)) {
          throw new ExportFailed("the memory of " + agentId + " answered " + reply);
        }
        page.entries().forEach(entry -> entries.add(entry(entry)));
        if (page.entries().isEmpty() || entries.size() >= page.lastSeq()) {
          break;
        }
      }
      if (!entries.isEmpty()) {
        memories.add(new ExportFile.Memory(agentId, entries));
      }
    }
    return memories;
  }

  private static ExportFile.Entry entry(MemoryEntry entry) {
    return new ExportFile.Entry(entry.seq(), entry.kind().wire(), entry.text(), entry.tags(),
        entry.at());
  }

  private List<ExportFile.Job> jobs(int ledgerShards) throws ExportFailed {
    ActorRef<JobLedger.Command> ledger = system.systemActorOf(JobLedger.supervised(
        io.workmate.jobs.dispatch.JobDispatcherSettings.DEFAULT_LEDGER, clock,
        LedgerPart.all(ledgerShards), JobLedger.DEFAULT_WRITE_INTERVAL), "ledger", Props.empty());
    JobLedger.AllJobs all = ask(ledger,
        replyTo -> new JobLedger.GetJobs(ASK_TIMEOUT, replyTo), "the job ledger");
    if (all.jobs() == null) {
      throw new ExportFailed("the job ledger could not be read: " + all.failure());
    }
    return all.jobs().stream().sorted(Comparator.comparing(Job::createdAt).thenComparing(Job::id))
        .map(DataDirExport::job).toList();
  }

  private static ExportFile.Job job(Job job) {
    JobSpec spec = job.spec();
    return new ExportFile.Job(job.id(), job.status().wireName(), job.attempts(), job.agent(),
        job.resultText(), job.lastError(), job.createdAt(), job.updatedAt(),
        new ExportFile.Spec(spec.prompt(), spec.agent(), spec.capabilities(), spec.priority(),
            spec.maxAttempts(), spec.timeoutSeconds(), spec.deadline(), spec.cwd(),
            spec.approvalPolicy(), spec.idempotencyKey(), spec.workspace() == null ? null
                : new ExportFile.Workspace(spec.workspace().repo(),
                    spec.workspace().baseCommit(), spec.workspace().branch(),
                    spec.workspace().followUpOf())));
  }

  private <C, R> R ask(RecipientRef<C> target, Function<ActorRef<R>, C> question, String what)
      throws ExportFailed {
    return await(AskPattern.ask(target, question::apply, ASK_TIMEOUT, system.scheduler()), what);
  }

  private static <T> T await(CompletionStage<T> answer, String what) throws ExportFailed {
    try {
      return answer.toCompletableFuture().get(ASK_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ExportFailed("interrupted while reading " + what);
    } catch (ExecutionException | TimeoutException e) {
      throw new ExportFailed(what + " did not answer: " + (e.getCause() == null ? e
          : e.getCause()));
    }
  }
}
