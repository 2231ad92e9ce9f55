package io.workmate.jobs;

import io.workmate.support.BlockingThreads;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.PreRestart;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * The durable record of every job: a fixed number of {@link JobLedgerShard}s, a job in the shard
 * its id hashes to (see {@link #shardOf(String, int)}). This actor group-commits: an op that arrives while its shard is writing waits
 * for that write and goes out with every other op that arrived meanwhile, as one batch (one
 * journal row). Under load the batches grow and the journal writes stay few; an op alone is
 * written at once.
 *
 * <p>A shard starts at most one write per <em>write interval</em> (see
 * {@link #DEFAULT_WRITE_INTERVAL}): an op that arrives sooner after the last write started waits
 * for the rest of the interval, and whatever else arrives meanwhile goes out with it. That caps
 * the journal's commits per second whatever the op rate, which is what keeps the embedded
 * journal's cost flat under load.
 *
 * <p>Every {@link Apply} is answered exactly once: with the shard's reply once its batch is
 * stored, or with a failure when the journal failed or did not answer in time, or when the
 * ledger itself stopped or failed while holding it. Callers rely on that and set no timer per op
 * (a cancelled timer stays in the scheduler's wheel until it would have fired: three per job,
 * measured, cost a tenth of the jobs bench's throughput). A shard whose
 * write failed stops and is replaced after a backoff (200 ms doubling to 6.4 s while writes keep
 * failing) by a new one that recovers from the journal; until then its ops are answered at once
 * as not stored, and the caller asks again.
 */
public final class JobLedger {

  /**
   * The shards of a ledger journaled before their number was a setting ({@code
   * workmate.jobs.ledger-shards}, fixed for a data dir once it holds jobs: a job's shard follows
   * from its id and this number, so another number would hide the jobs already journaled). One
   * is also the usual choice on the embedded journal, which serialises commits anyway: measured
   * on 2 cores, 1, 2 and 4 shards all passed 19,000 jobs/s, and the HTTP enqueue median was 3.3,
   * 5.6 and 7 ms.
   */
  public static final int LEGACY_SHARDS = 1;

  /** The most shards a ledger may have. */
  public static final int MAX_SHARDS = 64;

  /** Ops one journal row carries at most. */
  static final int MAX_BATCH = 1000;

  /**
   * Text (prompts, results, errors) one journal row carries at most, in chars, so a burst of
   * large prompts or results makes several moderate rows instead of one huge one; a single op
   * larger than this still goes alone.
   */
  static final int MAX_BATCH_CHARS = 1 << 20;

  /**
   * The least time between the starts of two writes of a shard. H2 pays for every commit, and
   * more the more commits it keeps for its 45-second retention (each is a chunk of the file it
   * tracks and allocates space around): measured at 1,000 jobs/s (3,000 ops/s), writing as soon
   * as the last write ended made 1,400 commits/s of 0.65 ms each, and the service's median
   * latency more than doubled once it had run 45 s; at most one write per 2 ms cut its CPU by a
   * fifth (3 ms: by a third) and kept the median flat (docs/performance.md).
   */
  public static final Duration DEFAULT_WRITE_INTERVAL = Duration.ofMillis(2);

  private static final Duration WRITE_TIMEOUT = Duration.ofSeconds(15);
  /** The wait before a stopped shard is replaced, doubled per failure in a row up to 32×. */
  private static final Duration SHARD_BACKOFF = Duration.ofMillis(200);

  // ---- protocol ----

  public sealed interface Command {}

  /**
   * Applies {@code op} to the job {@code jobId}; answered with {@link Answered} carrying the same
   * {@code ticket}, which the caller picks to match answers to its ops, and the same
   * {@code requester}: whom the caller passes the answer on to (null: nobody), carried so that a
   * caller answering for somebody else needs neither an ask nor a table of its own.
   */
  public record Apply(String jobId, JobOp op, long ticket, ActorRef<Answered> replyTo,
      ActorRef<JobReply> requester) implements Command {
    public Apply {
      Objects.requireNonNull(jobId, "jobId");
      Objects.requireNonNull(op, "op");
      Objects.requireNonNull(replyTo, "replyTo");
    }

    /** An op whose answer stays with the caller. */
    public Apply(String jobId, JobOp op, long ticket, ActorRef<Answered> replyTo) {
      this(jobId, op, ticket, replyTo, null);
    }

    Answered answer(JobReply reply, String failure) {
      return new Answered(ticket, jobId, reply, failure, requester);
    }
  }

  /**
   * The answer to an {@link Apply}: {@code reply}, or, when the op may not have been stored,
   * null and {@code failure} saying why; {@code ticket} and {@code requester} as the op had them.
   */
  public record Answered(long ticket, String jobId, JobReply reply, String failure,
      ActorRef<JobReply> requester) {
    public Answered(long ticket, String jobId, JobReply reply, String failure) {
      this(ticket, jobId, reply, failure, null);
    }
  }

  /**
   * Every job of every shard as it is now, in submission order, once the shards have recovered
   * from the journal: what the dispatcher rebuilds its queue from after a restart. Answered with
   * {@link AllJobs}; a shard that does not answer within {@code timeout} fails the whole answer.
   */
  public record GetJobs(Duration timeout, ActorRef<AllJobs> replyTo) implements Command {}

  /** The answer to {@link GetJobs}: {@code jobs}, or null and {@code failure} saying why. */
  public record AllJobs(List<Job> jobs, String failure) {}

  private record ShardJobs(long request, int shard, List<Job> jobs, String failure)
      implements Command {}

  private record Written(int shard, long batchId, JobLedgerShard.BatchRecorded recorded,
      Throwable failure) implements Command {}

  private record ShardStopped(int shard) implements Command {}

  private record ShardDue(int shard) implements Command {}

  /** The write interval of {@code shard} has passed since its last write started. */
  private record IntervalOver(int shard) implements Command {}

  // ---- behavior ----

  /**
   * One shard's writer side: the shard (null while it is being replaced), the batch in flight and
   * the ops waiting for it to end.
   */
  private static final class Lane {
    ActorRef<JobLedgerShard.Command> shard;
    List<Apply> waiting = new ArrayList<>();
    List<Apply> inFlight;
    /**
     * The last batch's id. It starts at the clock's nanoseconds, so an incarnation after a
     * restart never reuses an id of the one before, whose answers may still be in the mailbox.
     */
    long batchId = System.nanoTime();
    int failures;
    /** When the last write started, in {@link System#nanoTime()}. */
    long lastWriteStart;
    /** Whether an {@link IntervalOver} is on its way. */
    boolean intervalPending;
  }

  private final ActorContext<Command> context;
  private final TimerScheduler<Command> timers;
  private final String name;
  private final Clock clock;
  private final Duration writeTimeout;
  private final long writeIntervalNanos;
  /**
   * Sends {@link IntervalOver}; a thread of its own because the ActorSystem's scheduler ticks
   * every 10 ms, five times the default interval. Null for an interval of zero.
   */
  private final ScheduledExecutorService intervalTimer;
  private final LedgerPart part;
  /** One per held shard, in {@link LedgerPart#shardAt} order. */
  private final Lane[] lanes;
  /** {@link GetJobs} waiting for shards, by request number: what each shard answered so far. */
  private final Map<Long, Gathering> gatherings = new HashMap<>();
  private long requests;

  /** One {@link GetJobs} in progress. */
  private static final class Gathering {
    final ActorRef<AllJobs> replyTo;
    final List<List<Job>> byShard;
    int missing;

    Gathering(ActorRef<AllJobs> replyTo, int shards) {
      this.replyTo = replyTo;
      this.byShard = new ArrayList<>(shards);
      this.missing = shards;
      for (int n = 0; n < shards; n++) {
        byShard.add(null);
      }
    }
  }

  /**
   * The ledger {@code name} (its shards' persistence ids are {@code job-ledger|<name>-<n>}; one
   * ledger of a name per journal), stamping events with {@code clock}.
   */
  public static Behavior<Command> create(String name, Clock clock) {
    return create(name, clock, LEGACY_SHARDS, DEFAULT_WRITE_INTERVAL);
  }

  /**
   * As {@link #create(String, Clock)}, with {@code shards} shards, starting a shard's writes at
   * least {@code writeInterval} apart (zero: each as soon as the last one ended).
   */
  public static Behavior<Command> create(String name, Clock clock, int shards,
      Duration writeInterval) {
    return create(name, clock, shards, WRITE_TIMEOUT, writeInterval);
  }

  /**
   * As {@link #create(String, Clock, int, Duration)}, started again (after a backoff) when it
   * fails on a bug: the ops it held are not answered, so their asks time out as not stored.
   */
  public static Behavior<Command> supervised(String name, Clock clock, LedgerPart part,
      Duration writeInterval) {
    return Behaviors.supervise(create(name, clock, part, WRITE_TIMEOUT, writeInterval)).onFailure(
        SupervisorStrategy.restartWithBackoff(Duration.ofMillis(200), Duration.ofSeconds(5), 0.2));
  }

  /**
   * As {@link #create(String, Clock, int, Duration)}, giving a shard {@code writeTimeout} to store
   * a batch.
   */
  static Behavior<Command> create(String name, Clock clock, int shards, Duration writeTimeout,
      Duration writeInterval) {
    return create(name, clock, LedgerPart.all(shards), writeTimeout, writeInterval);
  }

  /** As {@link #create(String, Clock, int, Duration, Duration)}, holding {@code part} only. */
  static Behavior<Command> create(String name, Clock clock, LedgerPart part,
      Duration writeTimeout, Duration writeInterval) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(part, "part");
    Objects.requireNonNull(clock, "clock");
    Objects.requireNonNull(writeTimeout, "writeTimeout");
    Objects.requireNonNull(writeInterval, "writeInterval");
    if (writeInterval.isNegative()) {
      throw new IllegalArgumentException("writeInterval must not be negative: " + writeInterval);
    }
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new JobLedger(context, timers, name, clock, part, writeTimeout, writeInterval)
            .behavior()));
  }

  /** The shard of {@code jobId} in a ledger of {@code shards} shards. */
  public static int shardOf(String jobId, int shards) {
    return Math.floorMod(jobId.hashCode(), shards); // String.hashCode is fixed by the JLS
  }

  private JobLedger(ActorContext<Command> context, TimerScheduler<Command> timers, String name,
      Clock clock, LedgerPart part, Duration writeTimeout, Duration writeInterval) {
    this.context = context;
    this.part = part;
    this.lanes = new Lane[part.held()];
    this.timers = timers;
    this.name = name;
    this.clock = clock;
    this.writeTimeout = writeTimeout;
    this.writeIntervalNanos = writeInterval.toNanos();
    this.intervalTimer = writeIntervalNanos == 0 ? null
        : BlockingThreads.timer("workmate-job-ledger-" + name + "-interval");
    long now = System.nanoTime();
    for (int n = 0; n < lanes.length; n++) {
      lanes[n] = new Lane();
      lanes[n].lastWriteStart = now - writeIntervalNanos;
      spawnShard(n);
    }
  }

  private Behavior<Command> behavior() {
    return Behaviors.receive(Command.class)
        .onMessage(Apply.class, this::onApply)
        .onMessage(Written.class, this::onWritten)
        .onMessage(GetJobs.class, this::onGetJobs)
        .onMessage(ShardJobs.class, this::onShardJobs)
        .onMessage(ShardStopped.class, this::onShardStopped)
        .onMessage(ShardDue.class, due -> {
          spawnShard(due.shard());
          writeIfReady(due.shard());
          return Behaviors.same();
        })
        .onMessage(IntervalOver.class, over -> {
          lanes[over.shard()].intervalPending = false;
          writeIfReady(over.shard());
          return Behaviors.same();
        })
        .onSignal(PostStop.class, stop -> ended("it stopped"))
        .onSignal(PreRestart.class, restart -> ended("it failed and restarts"))
        .build();
  }

  /**
   * The ledger stops or restarts (on a bug; the journal's failures only replace a shard): the ops
   * it holds would be lost with it, so they are answered now as not stored. That keeps the
   * promise that every op is answered, which is why its callers set no timer per op.
   */
  private Behavior<Command> ended(String why) {
    if (intervalTimer != null) {
      intervalTimer.shutdownNow();
    }
    String failure = "the job store did not answer: " + why;
    for (Lane lane : lanes) {
      List<Apply> held = new ArrayList<>(lane.waiting);
      if (lane.inFlight != null) {
        held.addAll(0, lane.inFlight);
      }
      held.forEach(apply -> apply.replyTo().tell(apply.answer(null, failure)));
      lane.waiting = new ArrayList<>();
      lane.inFlight = null;
    }
    return Behaviors.same();
  }

  /**
   * A new incarnation of the shard. A shard whose write failed stops (it cannot know whether the
   * batch was stored) and is replaced by a new one, which recovers from the journal: a restart in
   * place would keep the state the failed batch had already been applied to.
   */
  private void spawnShard(int shard) {
    Lane lane = lanes[shard];
    lane.shard = context.spawnAnonymous(JobLedgerShard.create(name, part.shardAt(shard), clock));
    context.watchWith(lane.shard, new ShardStopped(shard));
  }

  private Behavior<Command> onApply(Apply apply) {
    int shard = part.indexOf(apply.jobId());
    if (shard < 0) {
      // a router's bug: answered, so the caller is not left waiting
      apply.replyTo().tell(apply.answer(null, "job " + apply.jobId() + " belongs to ledger shard "
          + shardOf(apply.jobId(), part.shards()) + ", not to this ledger's " + part.shardAt(0)));
      return Behaviors.same();
    }
    if (lanes[shard].shard == null) {
      // the journal just failed a write: answer now rather than hold callers through a backoff
      // that may repeat for as long as the disk stays full
      apply.replyTo().tell(apply.answer(null,
          "the job store did not answer: it failed a write and is recovering"));
      return Behaviors.same();
    }
    lanes[shard].waiting.add(apply);
    writeIfReady(shard);
    return Behaviors.same();
  }

  private Behavior<Command> onGetJobs(GetJobs get) {
    long request = ++requests;
    gatherings.put(request, new Gathering(get.replyTo(), lanes.length));
    for (int n = 0; n < lanes.length; n++) {
      int shard = n;
      ActorRef<JobLedgerShard.Command> target = lanes[shard].shard;
      if (target == null) {
        context.getSelf().tell(new ShardJobs(request, shard, null,
            "job ledger shard " + part.shardAt(shard) + " is restarting"));
        continue;
      }
      context.ask(JobLedgerShard.Jobs.class, target, get.timeout(), JobLedgerShard.GetJobs::new,
          (jobs, failure) -> new ShardJobs(request, shard, jobs == null ? null : jobs.jobs(),
              failure == null ? null : "job ledger shard " + part.shardAt(shard) + ": "
                  + failure));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onShardJobs(ShardJobs answer) {
    Gathering gathering = gatherings.get(answer.request());
    if (gathering == null) {
      return Behaviors.same(); // already failed by another shard
    }
    if (answer.jobs() == null) {
      gatherings.remove(answer.request());
      gathering.replyTo.tell(new AllJobs(null, answer.failure()));
      return Behaviors.same();
    }
    gathering.byShard.set(answer.shard(), answer.jobs());
    if (--gathering.missing > 0) {
      return Behaviors.same();
    }
    gatherings.remove(answer.request());
    List<Job> all = new ArrayList<>();
    gathering.byShard.forEach(all::addAll);
    // each shard's list is in submission order; across shards, creation time orders them
    // (a stable sort, so equal times keep their shard's order)
    if (lanes.length > 1) {
      all.sort(Comparator.comparing(Job::createdAt));
    }
    gathering.replyTo.tell(new AllJobs(all, null));
    return Behaviors.same();
  }

  private void writeIfReady(int shard) {
    Lane lane = lanes[shard];
    if (lane.shard == null || lane.inFlight != null || lane.waiting.isEmpty()) {
      return;
    }
    long now = System.nanoTime();
    long early = lane.lastWriteStart + writeIntervalNanos - now;
    if (early > 0) {
      if (!lane.intervalPending) {
        lane.intervalPending = true;
        ActorRef<Command> self = context.getSelf();
        intervalTimer.schedule(() -> self.tell(new IntervalOver(shard)), early,
            TimeUnit.NANOSECONDS);
      }
      return;
    }
    lane.lastWriteStart = now;
    int take = 0;
    long chars = 0;
    while (take < lane.waiting.size() && take < MAX_BATCH) {
      chars += textOf(lane.waiting.get(take).op());
      if (take > 0 && chars > MAX_BATCH_CHARS) {
        break;
      }
      take++;
    }
    List<Apply> batch;
    if (take == lane.waiting.size()) {
      batch = lane.waiting;
      lane.waiting = new ArrayList<>();
    } else {
      batch = new ArrayList<>(lane.waiting.subList(0, take));
      lane.waiting = new ArrayList<>(lane.waiting.subList(take, lane.waiting.size()));
    }
    lane.inFlight = batch;
    long batchId = ++lane.batchId;
    List<JobLedgerShard.Entry> entries = new ArrayList<>(batch.size());
    batch.forEach(apply -> entries.add(new JobLedgerShard.Entry(apply.jobId(), apply.op())));
    context.ask(JobLedgerShard.BatchRecorded.class, lane.shard, writeTimeout,
        replyTo -> new JobLedgerShard.RecordBatch(entries, replyTo),
        (recorded, failure) -> new Written(shard, batchId, recorded, failure));
  }

  private Behavior<Command> onWritten(Written written) {
    Lane lane = lanes[written.shard()];
    if (lane.inFlight == null || written.batchId() != lane.batchId) {
      return Behaviors.same(); // a batch already answered when its shard stopped
    }
    if (written.recorded() != null) {
      List<JobReply> replies = written.recorded().replies();
      for (int i = 0; i < lane.inFlight.size(); i++) {
        Apply apply = lane.inFlight.get(i);
        apply.replyTo().tell(apply.answer(replies.get(i), null));
      }
      lane.failures = 0;
    } else {
      failInFlight(written.shard(), String.valueOf(written.failure()));
    }
    lane.inFlight = null;
    writeIfReady(written.shard());
    return Behaviors.same();
  }

  private Behavior<Command> onShardStopped(ShardStopped stopped) {
    int shard = stopped.shard();
    Lane lane = lanes[shard];
    lane.shard = null;
    if (lane.inFlight != null) {
      failInFlight(shard, "the journal failed to store the batch");
      lane.inFlight = null;
    }
    if (!lane.waiting.isEmpty()) {
      // they would go to a journal that just failed, after the backoff: answer them now
      lane.inFlight = lane.waiting;
      lane.waiting = new ArrayList<>();
      failInFlight(shard, "it failed a write and is recovering");
      lane.inFlight = null;
    }
    Duration backoff = SHARD_BACKOFF.multipliedBy(1L << Math.min(lane.failures, 5));
    lane.failures++;
    context.getLog().warn("job ledger shard {} stopped; a new one starts in {} ms",
        part.shardAt(shard), backoff.toMillis());
    timers.startSingleTimer("shard-" + shard, new ShardDue(shard), backoff);
    return Behaviors.same();
  }

  /** The length of the free text {@code op} brings into the journal. */
  static int textOf(JobOp op) {
    String text = null;
    if (op instanceof JobOp.Submit submit) {
      text = submit.spec().prompt();
    } else if (op instanceof JobOp.Succeed succeed) {
      text = succeed.text();
    } else if (op instanceof JobOp.FailAttempt fail) {
      text = fail.error();
    } else if (op instanceof JobOp.Cancel cancel) {
      text = cancel.reason();
    } else if (op instanceof JobOp.Requeue requeue) {
      text = requeue.reason();
    } else if (op instanceof JobOp.Expire expire) {
      text = expire.reason();
    } else if (op instanceof JobOp.Release release) {
      text = release.reason();
    }
    return text == null ? 0 : text.length();
  }

  /** Answers every op of the batch in flight as not stored. */
  private void failInFlight(int shard, String why) {
    List<Apply> batch = lanes[shard].inFlight;
    String failure = "the job store did not answer: " + why;
    context.getLog().warn("job ledger shard {}: a batch of {} ops was not stored: {}",
        part.shardAt(shard), batch.size(), why);
    batch.forEach(apply -> apply.replyTo().tell(apply.answer(null, failure)));
  }
}
