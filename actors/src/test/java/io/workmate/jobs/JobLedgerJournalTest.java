package io.workmate.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.jobs.JobLedger.Answered;
import io.workmate.jobs.JobLedger.Apply;
import io.workmate.jobs.JobLedgerShard.Recorded;
import io.workmate.jobs.JobOp.ApprovalAnswered;
import io.workmate.jobs.JobOp.AwaitApproval;
import io.workmate.jobs.JobOp.Cancel;
import io.workmate.jobs.JobOp.FailAttempt;
import io.workmate.jobs.JobOp.Get;
import io.workmate.jobs.JobOp.GetHistory;
import io.workmate.jobs.JobOp.Start;
import io.workmate.jobs.JobOp.Submit;
import io.workmate.jobs.JobOp.Succeed;
import io.workmate.persistence.JournalConfig;
import io.workmate.persistence.JournalSettings;
import io.workmate.testkit.H2TestJournal;
import java.nio.file.Path;
import java.sql.DriverManager;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job ledger on the real embedded journal: an H2 file, reopened by a new ActorSystem. */
class JobLedgerJournalTest {

  private static final String LEDGER = "jobs";
  private static final Instant RETRY_AT = Instant.parse("2026-11-21T11:00:00Z");
  /** Generous: past the ledger's own write timeout, so a stuck write shows as its failure. */
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(30);

  @TempDir Path dir;

  @Test
  void aNewActorSystemRecoversJobsExactlyAndListsThemInSubmissionOrder() throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    Job jobBefore;
    List<JobEvent> historyBefore;
    Job cancelledBefore;

    ActorTestKit writer = H2TestJournal.start("jobs-writer", h2);
    try {
      Client ledger = new Client(writer);
      JobSpec spec = JobSpec.of("fix the build", Instant.now()).withPriority(3)
          .withCapabilities(List.of("java"));
      ledger.ok("job-a", new Submit(spec));
      ledger.ok("job-a", new Start("agent-1", "thread-1"));
      ledger.ok("job-a", new AwaitApproval("approval-1"));
      ledger.ok("job-a", new ApprovalAnswered());
      ledger.ok("job-a", new FailAttempt("HTTP 500", RETRY_AT));
      jobBefore = ledger.ok("job-a", new Start("agent-2", "thread-2"));
      historyBefore = ledger.history("job-a");

      ledger.ok("job-b", new Submit(JobSpec.of("other", Instant.now())));
      cancelledBefore = ledger.ok("job-b", new Cancel("not needed"));
    } finally {
      writer.shutdownTestKit();
    }
    assertEquals(JobStatus.RUNNING, jobBefore.status());
    assertEquals(2, jobBefore.attempts());
    assertEquals(6, historyBefore.size());

    ActorTestKit reader = H2TestJournal.start("jobs-reader", h2);
    try {
      Client ledger = new Client(reader);
      assertEquals(jobBefore, ledger.ok("job-a", new Get()));
      assertEquals(historyBefore, ledger.history("job-a"));
      assertEquals(cancelledBefore, ledger.ok("job-b", new Get()));

      // The recovered job carries on where it was.
      Job succeeded = ledger.ok("job-a", new Succeed("fixed"));
      assertEquals(JobStatus.SUCCEEDED, succeeded.status());
      assertEquals(2, succeeded.attempts());

      // what a restarted dispatcher takes its queue from
      List<Job> all = ledger.jobs();
      assertEquals(List.of("job-a", "job-b"), all.stream().map(Job::id).toList());
      assertEquals(List.of(succeeded, cancelledBefore), all);

      List<EventEnvelope> rows = currentLedgerEvents(reader);
      Map<String, List<JobEvent>> byJob = eventsByJob(rows);
      List<JobEvent> eventsOfA = byJob.get("job-a");
      assertEquals(7, eventsOfA.size());
      assertEquals(historyBefore, eventsOfA.subList(0, 6));
      assertInstanceOf(JobEvent.Succeeded.class, eventsOfA.get(6));
      assertEquals(List.of(JobEvent.Submitted.class, JobEvent.Cancelled.class),
          byJob.get("job-b").stream().map(Object::getClass).toList());
      assertEquals(List.of("job-a", "job-b"), List.copyOf(byJob.keySet()),
          "no events but these two jobs' are in the ledger");
      // Each op was sent after the previous one was answered: a batch, and a row, each.
      assertEquals(9, rows.size());
    } finally {
      reader.shutdownTestKit();
    }
  }

  @Test
  void manyOpsSentAtOnceAreAllAnsweredAndShareJournalRows() throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    int jobs = 100;
    List<JobOp> rounds = List.of(new Submit(JobSpec.of("burst", Instant.now())),
        new Start("agent", null), new Succeed("done"));
    List<JobStatus> statusAfter =
        List.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.SUCCEEDED);
    int transitions = jobs * rounds.size();
    List<EventEnvelope> envelopes;

    ActorTestKit kit = H2TestJournal.start("jobs-burst", h2);
    try {
      ActorRef<JobLedger.Command> ledger =
          kit.spawn(JobLedger.create(LEDGER, Clock.systemUTC()), "job-ledger");
      TestProbe<Answered> probe = kit.createTestProbe();
      // No waiting between sends: what reaches a shard while it writes goes out with its next
      // batch. Ticket = round * jobs + job.
      for (int round = 0; round < rounds.size(); round++) {
        for (int job = 0; job < jobs; job++) {
          ledger.tell(new Apply(burstJob(job), rounds.get(round), (long) round * jobs + job,
              probe.ref()));
        }
      }

      List<Answered> answers = probe.receiveSeveralMessages(transitions, Duration.ofSeconds(60));
      Map<Long, Answered> byTicket = new HashMap<>();
      for (Answered answer : answers) {
        assertNull(byTicket.put(answer.ticket(), answer), "answered twice: " + answer);
      }
      assertEquals(LongStream.range(0, transitions).boxed().toList(),
          byTicket.keySet().stream().sorted().toList(), "every op answered once");
      for (Answered answer : answers) {
        int round = (int) (answer.ticket() / jobs);
        String jobId = burstJob((int) (answer.ticket() % jobs));
        assertNull(answer.failure(), answer.toString());
        assertEquals(jobId, answer.jobId());
        // each job's ops arrive in the order sent, so each saw the one before
        Job job = assertInstanceOf(JobReply.Current.class, answer.reply(), answer.toString())
            .job();
        assertEquals(statusAfter.get(round), job.status(), answer.toString());
        assertEquals(round == 0 ? 0 : 1, job.attempts(), answer.toString());
      }
      probe.expectNoMessage(Duration.ofMillis(200));

      envelopes = currentLedgerEvents(kit);
      Map<String, List<JobEvent>> byJob = eventsByJob(envelopes);
      assertEquals(jobs, byJob.size());
      byJob.forEach((jobId, events) -> assertEquals(List.of(JobEvent.Submitted.class,
          JobEvent.AttemptStarted.class, JobEvent.Succeeded.class),
          events.stream().map(Object::getClass).toList(), jobId));
    } finally {
      kit.shutdownTestKit();
    }

    long rows = journalRows(h2, "job-ledger|" + LEDGER + "-%");
    assertEquals(envelopes.size(), rows, "one event per journal row");
    assertTrue(rows < transitions,
        rows + " journal rows for " + transitions + " transitions: batches should share rows");
  }

  @Test
  void aLedgerOfSeveralShardsJournalsEachJobInItsShardAndRecoversThemAllInSubmissionOrder()
      throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    int shards = 3;
    List<String> ids = new ArrayList<>();
    for (int n = 0; n < 12; n++) {
      ids.add("sharded-" + n);
    }
    Clock ticking = new TickingClock(Instant.parse("2026-12-06T00:00:00Z"));
    ActorTestKit writer = H2TestJournal.start("jobs-sharded", h2);
    try {
      ActorRef<JobLedger.Command> ledger = writer.spawn(
          JobLedger.create(LEDGER, ticking, shards, Duration.ZERO), "job-ledger");
      TestProbe<Answered> probe = writer.createTestProbe();
      for (String id : ids) {
        ledger.tell(new Apply(id, new Submit(JobSpec.of("p " + id, ticking.instant())), 0,
            probe.ref()));
        assertNull(probe.receiveMessage(Duration.ofSeconds(30)).failure());
      }
      Map<String, List<JobEvent>> byJob = new LinkedHashMap<>();
      for (EventEnvelope row : currentLedgerEvents(writer, shards)) {
        for (JobEvent event : ((Recorded) row.event()).events()) {
          assertEquals(JobLedgerShard.persistenceId(LEDGER, JobLedger.shardOf(event.jobId(),
              shards)).id(), row.persistenceId(), event.jobId() + " journaled in its shard");
          byJob.computeIfAbsent(event.jobId(), id -> new ArrayList<>()).add(event);
        }
      }
      assertEquals(ids.size(), byJob.size());
      assertTrue(ids.stream().map(id -> JobLedger.shardOf(id, shards)).distinct().count() > 1,
          "the ids spread over more than one shard");
    } finally {
      writer.shutdownTestKit();
    }

    ActorTestKit reader = H2TestJournal.start("jobs-sharded-again", h2);
    try {
      ActorRef<JobLedger.Command> ledger = reader.spawn(
          JobLedger.create(LEDGER, Clock.systemUTC(), shards, Duration.ZERO), "job-ledger");
      TestProbe<JobLedger.AllJobs> all = reader.createTestProbe();
      ledger.tell(new JobLedger.GetJobs(Duration.ofSeconds(30), all.ref()));
      JobLedger.AllJobs recovered = all.receiveMessage(Duration.ofSeconds(60));
      assertNull(recovered.failure());
      assertEquals(ids, recovered.jobs().stream().map(Job::id).toList(),
          "every job of every shard, in submission order");
    } finally {
      reader.shutdownTestKit();
    }
  }

  // ---- helpers ----

  private static String burstJob(int n) {
    return "burst-" + n;
  }

  /** The ledger {@value #LEDGER} in {@code testKit}, asked one op at a time. */
  private static final class Client {
    private final ActorTestKit testKit;
    private final ActorRef<JobLedger.Command> ledger;
    private long tickets;

    Client(ActorTestKit testKit) {
      this.testKit = testKit;
      this.ledger = testKit.spawn(JobLedger.create(LEDGER, Clock.systemUTC()), "job-ledger");
    }

    JobReply ask(String jobId, JobOp op) {
      TestProbe<Answered> probe = testKit.createTestProbe();
      long ticket = ++tickets;
      ledger.tell(new Apply(jobId, op, ticket, probe.ref()));
      Answered answered = probe.receiveMessage(ANSWER_TIMEOUT);
      assertEquals(ticket, answered.ticket());
      assertEquals(jobId, answered.jobId());
      assertNull(answered.failure(), "not stored: " + answered.failure());
      return answered.reply();
    }

    /** Every job of the ledger, as {@link JobLedger.GetJobs} answers. */
    List<Job> jobs() {
      TestProbe<JobLedger.AllJobs> probe = testKit.createTestProbe();
      ledger.tell(new JobLedger.GetJobs(ANSWER_TIMEOUT, probe.ref()));
      JobLedger.AllJobs all = probe.receiveMessage(ANSWER_TIMEOUT);
      assertNull(all.failure(), all.failure());
      return all.jobs();
    }

    /** Asks an op that must be accepted (or a Get) and returns the job it answers with. */
    Job ok(String jobId, JobOp op) {
      return assertInstanceOf(JobReply.Current.class, ask(jobId, op)).job();
    }

    List<JobEvent> history(String jobId) {
      return assertInstanceOf(JobReply.History.class, ask(jobId, new GetHistory())).events();
    }
  }

  /** The rows of every shard of the ledger {@value #LEDGER}, shard by shard. */
  private static List<EventEnvelope> currentLedgerEvents(ActorTestKit testKit)
      throws Exception {
    return currentLedgerEvents(testKit, JobLedger.LEGACY_SHARDS);
  }

  /** Every row of the ledger's {@code shards} shards, shard by shard. */
  private static List<EventEnvelope> currentLedgerEvents(ActorTestKit testKit, int shards)
      throws Exception {
    JdbcReadJournal journal = PersistenceQuery.get(testKit.system())
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    List<EventEnvelope> envelopes = new ArrayList<>();
    for (int shard = 0; shard < shards; shard++) {
      envelopes.addAll(journal.currentEventsByPersistenceId(
              JobLedgerShard.persistenceId(LEDGER, shard).id(), 0, Long.MAX_VALUE)
          .runWith(Sink.seq(), testKit.system())
          .toCompletableFuture().get(20, TimeUnit.SECONDS));
    }
    return envelopes;
  }

  /**
   * The ledger's batches flattened per job, in journal order; checks on the way that every one is
   * a ledger batch stored by the shard of each of its jobs.
   */
  private static Map<String, List<JobEvent>> eventsByJob(List<EventEnvelope> envelopes) {
    Map<String, List<JobEvent>> byJob = new LinkedHashMap<>();
    for (EventEnvelope envelope : envelopes) {
      String persistenceId = envelope.persistenceId();
      Recorded recorded = assertInstanceOf(Recorded.class, envelope.event());
      assertFalse(recorded.events().isEmpty(), "an empty batch was journaled");
      for (JobEvent event : recorded.events()) {
        assertEquals(JobLedgerShard.persistenceId(LEDGER, JobLedger.shardOf(event.jobId(), JobLedger.LEGACY_SHARDS)).id(),
            persistenceId, "the shard of " + event.jobId());
        byJob.computeIfAbsent(event.jobId(), id -> new ArrayList<>()).add(event);
      }
    }
    return byJob;
  }

  /** Rows of the journal table whose persistence id is LIKE {@code pattern}. */
  private static long journalRows(Path h2, String pattern) throws Exception {
    String url = JournalConfig.jdbcUrl(JournalSettings.h2(h2));
    try (var connection = DriverManager.getConnection(url, "sa", "");
        var query = connection.prepareStatement(
            "SELECT count(*) FROM \"event_journal\" WHERE \"persistence_id\" LIKE ?")) {
      query.setString(1, pattern);
      try (var rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }
}
