package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;

/**
 * One shard of the job ledger, event-sourced: persistence id {@code job-ledger|<ledger>-<n>},
 * events untagged (nothing reads them by tag: the dispatcher takes its jobs from the recovered
 * shard, {@link GetJobs}, and a tag would be a second row per write). It holds every job whose id hashes to it and takes
 * {@link JobOp}s a batch at a time: each op is decided against the jobs as the earlier ops of
 * the batch left them ({@link JobRules}), and all the batch's transitions are journaled as
 * <em>one</em> {@link Recorded} event, one journal row for many jobs' transitions. Answers go out
 * only once that event is stored.
 *
 * <p>Each job is still event-sourced: its state is the fold of its own {@link JobEvent}s, which
 * are its readable history; the shard only decides how they share journal rows.
 */
public final class JobLedgerShard
    extends EventSourcedBehavior<JobLedgerShard.Command, JobLedgerShard.Recorded,
        JobLedgerShard.State> {

  /** The entity type part of the persistence id. */
  public static final String ENTITY_TYPE = "job-ledger";

  // ---- protocol ----

  public sealed interface Command {}

  /** One op of a batch, on the job {@code jobId}. */
  public record Entry(String jobId, JobOp op) {}

  /** Decides and journals {@code entries}; answered with one reply per entry, in order. */
  public record RecordBatch(List<Entry> entries, ActorRef<BatchRecorded> replyTo)
      implements Command {}

  /** The answers to a {@link RecordBatch}, in the order of its entries. */
  public record BatchRecorded(List<JobReply> replies) {}

  /**
   * Every job of the shard as it is now, in the order they were submitted; answered once the
   * shard has recovered and any write in flight is stored.
   */
  public record GetJobs(ActorRef<Jobs> replyTo) implements Command {}

  /** The answer to {@link GetJobs}. */
  public record Jobs(List<Job> jobs) {

    public Jobs {
      jobs = List.copyOf(jobs);
    }
  }

  /** The one event: the transitions of a batch, in the order they were decided. */
  public record Recorded(List<JobEvent> events) implements CborSerializable {

    public Recorded {
      events = List.copyOf(events);
    }
  }

  /**
   * Every job of the shard with its latest transitions. Mutable, for speed at millions of jobs:
   * only the event handler changes it, and an incarnation of the shard never outlives a failed
   * write (see the constructor). Not snapshotted: a snapshot would copy every job each time.
   */
  public static final class State {
    /** In submission order: a job enters with its {@code Submitted} event and keeps its place. */
    private final Map<String, Job> jobs = new LinkedHashMap<>();
    private final Map<String, List<JobEvent>> histories = new HashMap<>();

    Job job(String jobId) {
      return jobs.get(jobId);
    }

    List<JobEvent> history(String jobId) {
      return histories.getOrDefault(jobId, List.of());
    }

    /** Every job, in submission order. */
    List<Job> jobs() {
      return List.copyOf(jobs.values());
    }

    /** Jobs in the shard. */
    public int size() {
      return jobs.size();
    }

    State apply(JobEvent event) {
      jobs.put(event.jobId(), Job.applying(jobs.get(event.jobId()), event));
      List<JobEvent> history = histories.computeIfAbsent(event.jobId(), id -> new ArrayList<>(4));
      if (history.size() >= JobRules.HISTORY_LIMIT) {
        history.remove(0);
      }
      history.add(event);
      return this;
    }
  }

  // ---- behavior ----

  private final Clock clock;

  /** Shard {@code shard} of the ledger {@code ledger}, stamping events with {@code clock}. */
  public static Behavior<Command> create(String ledger, int shard, Clock clock) {
    return new JobLedgerShard(persistenceId(ledger, shard), clock);
  }

  /** {@code job-ledger|<ledger>-<shard>}. */
  public static PersistenceId persistenceId(String ledger, int shard) {
    return PersistenceId.of(ENTITY_TYPE, ledger + "-" + shard);
  }

  private JobLedgerShard(PersistenceId persistenceId, Clock clock) {
    // No restart in place on a failed write: the state is mutable and already holds the batch,
    // so the shard stops and the ledger starts a new one, which recovers from the journal.
    super(persistenceId);
    this.clock = Objects.requireNonNull(clock, "clock");
  }

  @Override
  public State emptyState() {
    return new State();
  }

  @Override
  public CommandHandler<Command, Recorded, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(RecordBatch.class, this::recordBatch)
        .onCommand(GetJobs.class, (state, get) ->
            Effect().reply(get.replyTo(), new Jobs(state.jobs())))
        .build();
  }

  private Effect<Recorded, State> recordBatch(State state, RecordBatch batch) {
    Instant now = clock.instant();
    // the batch's own changes, on top of the state, so later ops see earlier ones
    Map<String, Job> changed = new HashMap<>();
    List<JobEvent> events = new ArrayList<>();
    List<JobReply> replies = new ArrayList<>(batch.entries().size());
    for (Entry entry : batch.entries()) {
      String jobId = entry.jobId();
      Job job = changed.containsKey(jobId) ? changed.get(jobId) : state.job(jobId);
      JobRules.Decision decision = JobRules.decide(jobId, job, entry.op(), now);
      if (decision instanceof JobRules.Persist persist) {
        Job after = Job.applying(job, persist.event());
        changed.put(jobId, after);
        events.add(persist.event());
        replies.add(new JobReply.Current(after));
      } else if (entry.op() instanceof JobOp.GetHistory && job != null) {
        replies.add(new JobReply.History(jobId, historyOf(state, events, jobId)));
      } else {
        replies.add(((JobRules.Answer) decision).reply());
      }
    }
    BatchRecorded answer = new BatchRecorded(replies);
    if (events.isEmpty()) {
      return Effect().reply(batch.replyTo(), answer);
    }
    return Effect().persist(new Recorded(events)).thenReply(batch.replyTo(), stored -> answer);
  }

  /** The job's history with the transitions this batch made so far. */
  private static List<JobEvent> historyOf(State state, List<JobEvent> batchEvents, String jobId) {
    List<JobEvent> history = new ArrayList<>(state.history(jobId));
    batchEvents.stream().filter(event -> event.jobId().equals(jobId)).forEach(history::add);
    int from = Math.max(0, history.size() - JobRules.HISTORY_LIMIT);
    return history.subList(from, history.size());
  }

  @Override
  public EventHandler<State, Recorded> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Recorded.class, (state, recorded) -> {
          recorded.events().forEach(state::apply);
          return state;
        })
        .build();
  }
}
