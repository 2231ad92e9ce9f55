package io.workmate.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.workmate.jobs.JobLedgerShard.BatchRecorded;
import io.workmate.jobs.JobLedgerShard.Command;
import io.workmate.jobs.JobLedgerShard.Entry;
import io.workmate.jobs.JobLedgerShard.RecordBatch;
import io.workmate.jobs.JobLedgerShard.Recorded;
import io.workmate.jobs.JobLedgerShard.State;
import io.workmate.jobs.JobOp.ApprovalAnswered;
import io.workmate.jobs.JobOp.AttachThread;
import io.workmate.jobs.JobOp.AwaitApproval;
import io.workmate.jobs.JobOp.Cancel;
import io.workmate.jobs.JobOp.Expire;
import io.workmate.jobs.JobOp.FailAttempt;
import io.workmate.jobs.JobOp.Get;
import io.workmate.jobs.JobOp.GetHistory;
import io.workmate.jobs.JobOp.Release;
import io.workmate.jobs.JobOp.Requeue;
import io.workmate.jobs.JobOp.Retry;
import io.workmate.jobs.JobOp.Start;
import io.workmate.jobs.JobOp.Submit;
import io.workmate.jobs.JobOp.Succeed;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResult;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The job state machine and its batching in a {@link JobLedgerShard}, on the in-memory
 * persistence testkit, which also round-trips every journaled {@link Recorded} event through the
 * real (Jackson CBOR) serializers and checks it comes back equal.
 */
class JobLedgerShardTest {

  private static final ActorTestKit testKit = ActorTestKit.create("job-ledger-shard",
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
  private static final Instant RETRY_AT = Instant.parse("2026-11-21T11:00:00Z");

  /** Every test shard is this shard number of its own ledger (any number would do). */
  private static final int SHARD = 2;

  private static final EventSourcedBehaviorTestKit.SerializationSettings SERIALIZATION =
      EventSourcedBehaviorTestKit.enabledSerializationSettings()
          .withVerifyEquality(true)
          // RecordBatch carries an ActorRef and only goes from the ledger to its own child shard,
          // in one JVM: it is never serialized.
          .withVerifyCommands(false)
          // The state is never snapshotted (see JobLedgerShard.State), so never serialized.
          .withVerifyState(false);

  private int shards;
  private int jobs;

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  // ---- valid paths ----

  @Test
  void submitQueuesTheJobAndRepliesWithIt() {
    var job = newJob();
    JobSpec spec = spec().withAgent("coder").withPriority(5).withCapabilities(List.of("rust"));

    Outcome result = job.run(new Submit(spec));

    assertEquals(List.of(new JobEvent.Submitted(job.id, spec, T0)), result.events());
    Job queued = result.job();
    assertEquals(JobStatus.QUEUED, queued.status());
    assertEquals(0, queued.attempts());
    assertEquals("coder", queued.agent());
    assertEquals(spec, queued.spec());
    assertEquals(T0, queued.createdAt());
    assertEquals(queued, result.state().job(job.id));
    assertEquals(result.events(), result.state().history(job.id));
  }

  @Test
  void aSecondSubmitRepliesWithTheExistingJobUnchanged() {
    var job = newJob();
    Job first = job.submit(spec());

    Outcome again = job.run(new Submit(JobSpec.of("another prompt", T0).withPriority(9)));

    assertEquals(List.of(), again.events(), "a repeated submit must not journal anything");
    assertEquals(new JobReply.Current(first), again.reply());
    assertEquals("the prompt", again.state().job(job.id).spec().prompt());
  }

  @Test
  void aJobRunsThroughAnApprovalToSuccess() {
    var job = newJob();
    job.submit(spec());

    Job running = job.ok(new Start("agent-1", "thread-1"));
    assertEquals(JobStatus.RUNNING, running.status());
    assertEquals(1, running.attempts());
    assertEquals("agent-1", running.agent());
    assertEquals("thread-1", running.threadId());

    Job waiting = job.ok(new AwaitApproval("approval-7"));
    assertEquals(JobStatus.WAITING_APPROVAL, waiting.status());
    assertEquals("approval-7", waiting.approvalId());

    Job resumed = job.ok(new ApprovalAnswered());
    assertEquals(JobStatus.RUNNING, resumed.status());
    assertNull(resumed.approvalId());

    Job succeeded = job.ok(new Succeed("all done"));
    assertEquals(JobStatus.SUCCEEDED, succeeded.status());
    assertEquals("all done", succeeded.resultText());
    assertEquals(1, succeeded.attempts());
    assertTrue(succeeded.updatedAt().isAfter(succeeded.createdAt()));

    assertEquals(List.of(JobEvent.Submitted.class, JobEvent.AttemptStarted.class,
            JobEvent.ApprovalAwaited.class, JobEvent.ApprovalResumed.class,
            JobEvent.Succeeded.class),
        job.history().stream().map(Object::getClass).toList());
    assertEquals(new JobEvent.ApprovalResumed(job.id, "approval-7", T0.plusSeconds(3)),
        job.history().get(3));
  }

  @Test
  void failedAttemptsAreRetriedUntilMaxAttemptsThenTheJobIsDead() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(3));

    for (int attempt = 1; attempt <= 2; attempt++) {
      assertEquals(attempt, job.ok(new Start("agent", null)).attempts());
      Job failed = job.ok(new FailAttempt("HTTP 500", RETRY_AT));
      assertEquals(JobStatus.FAILED, failed.status());
      assertEquals(RETRY_AT, failed.retryAt());
      assertEquals("HTTP 500", failed.lastError());
    }
    job.ok(new Start("agent", null));
    Outcome last = job.run(new FailAttempt("HTTP 500 again", RETRY_AT));

    assertEquals(1, last.events().size());
    assertInstanceOf(JobEvent.DeadLettered.class, last.events().get(0));
    Job dead = last.job();
    assertEquals(JobStatus.DEAD, dead.status());
    assertEquals(3, dead.attempts());
    assertEquals("HTTP 500 again", dead.lastError());
    assertNull(dead.retryAt());
  }

  @Test
  void aFailureWithoutRetryTimeIsDeadAtOnceEvenWithAttemptsLeft() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(5));
    job.ok(new Start("agent", null));

    Job dead = job.ok(new FailAttempt("not retryable", null));

    assertEquals(JobStatus.DEAD, dead.status());
    assertEquals(1, dead.attempts());
  }

  @Test
  void retryingADeadJobQueuesItWithFreshAttempts() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(1));
    job.ok(new Start("agent", null));
    assertEquals(JobStatus.DEAD, job.ok(new FailAttempt("boom", RETRY_AT)).status());

    Job retried = job.ok(new Retry());

    assertEquals(JobStatus.QUEUED, retried.status());
    assertEquals(0, retried.attempts());
    Job running = job.ok(new Start("agent", null));
    assertEquals(1, running.attempts());
    assertEquals(JobStatus.RUNNING, running.status());
  }

  @Test
  void requeueAfterACrashKeepsTheAttemptCounted() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(3));
    job.ok(new Start("agent", "thread-1"));

    Job requeued = job.ok(new Requeue("service restarted"));
    assertEquals(JobStatus.QUEUED, requeued.status());
    assertEquals(1, requeued.attempts());

    job.ok(new Start("agent", null));
    job.ok(new AwaitApproval("approval-1"));
    Job requeuedWhileWaiting = job.ok(new Requeue("process lost"));
    assertEquals(JobStatus.QUEUED, requeuedWhileWaiting.status());
    assertEquals(2, requeuedWhileWaiting.attempts());
    assertNull(requeuedWhileWaiting.approvalId());

    assertEquals(3, job.ok(new Start("agent", null)).attempts());
  }

  @Test
  void requeueOfTheLastAttemptDeadLettersTheJob() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(1));
    job.ok(new Start("agent", null));

    Outcome result = job.run(new Requeue("crash"));

    assertEquals(List.of(new JobEvent.DeadLettered(job.id, 1, "crash", T0.plusSeconds(2))),
        result.events());
    assertEquals(JobStatus.DEAD, result.job().status());
  }

  @Test
  void attachingAThreadRecordsItOnTheAttemptAndKeepsTheStatus() {
    var job = newJob();
    job.submit(spec());
    job.ok(new Start("agent", null));
    job.ok(new AwaitApproval("approval-1"));

    Outcome result = job.run(new AttachThread("thread-9"));

    assertEquals(List.of(new JobEvent.ThreadAttached(job.id, 1, "thread-9", T0.plusSeconds(3))),
        result.events());
    Job attached = result.job();
    assertEquals(JobStatus.WAITING_APPROVAL, attached.status());
    assertEquals("thread-9", attached.threadId());
    assertEquals("approval-1", attached.approvalId(), "the awaited approval stays");
  }

  @Test
  void aJobWhoseDeadlinePassedBetweenAttemptsExpiresDead() {
    var job = newJob();
    job.submit(spec());
    job.ok(new Start("agent", null));
    job.ok(new FailAttempt("HTTP 500", RETRY_AT));

    Outcome result = job.run(new Expire("deadline passed"));

    assertEquals(List.of(new JobEvent.DeadLettered(job.id, 1, "deadline passed",
        T0.plusSeconds(3))), result.events());
    Job dead = result.job();
    assertEquals(JobStatus.DEAD, dead.status());
    assertEquals("deadline passed", dead.lastError());
    assertNull(dead.retryAt());
  }

  // ---- the whole transition table ----

  /**
   * An op, the statuses it is allowed in, the event it journals there and the status it leads to
   * ({@code null}: the status stays).
   */
  private record Transition(String name, JobOp op, Set<JobStatus> allowedIn, String action,
      Class<? extends JobEvent> event, JobStatus leadsTo) {}

  private static final List<Transition> TRANSITIONS = List.of(
      new Transition("start", new Start("agent", null),
          EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED), "be started",
          JobEvent.AttemptStarted.class, JobStatus.RUNNING),
      new Transition("awaitApproval", new AwaitApproval("a-1"),
          EnumSet.of(JobStatus.RUNNING), "wait for an approval",
          JobEvent.ApprovalAwaited.class, JobStatus.WAITING_APPROVAL),
      new Transition("approvalAnswered", new ApprovalAnswered(),
          EnumSet.of(JobStatus.WAITING_APPROVAL), "resume after an approval",
          JobEvent.ApprovalResumed.class, JobStatus.RUNNING),
      new Transition("succeed", new Succeed("text"),
          EnumSet.of(JobStatus.RUNNING), "succeed",
          JobEvent.Succeeded.class, JobStatus.SUCCEEDED),
      new Transition("failAttempt", new FailAttempt("err", RETRY_AT),
          EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL), "fail an attempt",
          JobEvent.AttemptFailed.class, JobStatus.FAILED),
      new Transition("cancel", new Cancel("user"),
          EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.WAITING_APPROVAL,
              JobStatus.FAILED), "be cancelled",
          JobEvent.Cancelled.class, JobStatus.CANCELLED),
      new Transition("requeue", new Requeue("crash"),
          EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL), "be requeued",
          JobEvent.Requeued.class, JobStatus.QUEUED),
      new Transition("release", new Release("interrupted by shutdown", null),
          EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL), "be released",
          JobEvent.AttemptReleased.class, JobStatus.QUEUED),
      new Transition("retry", new Retry(),
          EnumSet.of(JobStatus.DEAD), "be retried",
          JobEvent.Retried.class, JobStatus.QUEUED),
      new Transition("attachThread", new AttachThread("thread-x"),
          EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL), "take a thread",
          JobEvent.ThreadAttached.class, null),
      new Transition("recordWorkspace", new JobOp.RecordWorkspace(new JobWorkspace("/repo",
              "workmate/x", "abc", null, List.of())),
          EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL), "record a workspace",
          JobEvent.WorkspaceRecorded.class, null),
      new Transition("expire", new Expire("deadline passed"),
          EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED), "expire",
          JobEvent.DeadLettered.class, JobStatus.DEAD));

  @Test
  void everyOpIsAcceptedExactlyInItsStatusesAndRejectedWithACodeElsewhere() {
    List<String> checked = new ArrayList<>();
    for (JobStatus from : JobStatus.values()) {
      for (Transition transition : TRANSITIONS) {
        var job = newJob();
        Job before = job.bringTo(from);
        List<JobEvent> historyBefore = job.history();

        Outcome result = job.run(transition.op());

        String label = transition.name() + " in " + from;
        Job after = result.state().job(job.id);
        if (transition.allowedIn().contains(from)) {
          assertEquals(1, result.events().size(), label);
          assertInstanceOf(transition.event(), result.events().get(0), label);
          assertEquals(new JobReply.Current(after), result.reply(), label);
          JobStatus expected = transition.leadsTo() == null ? from : transition.leadsTo();
          assertEquals(expected, after.status(), label);
          List<JobEvent> history = new ArrayList<>(historyBefore);
          history.addAll(result.events());
          assertEquals(history, result.state().history(job.id), label);
        } else {
          assertEquals(List.of(), result.events(), label);
          assertEquals(new JobReply.Rejected(JobRules.INVALID_TRANSITION,
              "job " + job.id + " is " + from.wireName() + "; it cannot " + transition.action()),
              result.reply(), label);
          assertEquals(before, after, label);
          assertEquals(historyBefore, result.state().history(job.id), label);
        }
        checked.add(label);
      }
    }
    assertEquals(JobStatus.values().length * TRANSITIONS.size(), checked.size());
    assertEquals(JobOp.class.getPermittedSubclasses().length - 3, TRANSITIONS.size(),
        "every op but Submit, Get and GetHistory is in the table");
  }

  @Test
  void cancellingASucceededJobIsRejectedWithAMessageThatSaysWhy() {
    var job = newJob();
    job.bringTo(JobStatus.SUCCEEDED);

    JobReply reply = job.run(new Cancel("user")).reply();

    assertEquals(new JobReply.Rejected("invalid_transition",
        "job " + job.id + " is succeeded; it cannot be cancelled"), reply);
  }

  @Test
  void anyOpButSubmitOnANeverSubmittedJobIsNotFound() {
    var job = newJob();
    List<JobOp> ops = List.of(new Get(), new GetHistory(), new Start("a", null),
        new AwaitApproval("a-1"), new ApprovalAnswered(), new Succeed("text"),
        new FailAttempt("err", RETRY_AT), new Cancel("r"), new Requeue("crash"), new Retry(),
        new AttachThread("thread-1"), new Expire("late"));

    for (JobOp op : ops) {
      Outcome result = job.run(op);
      assertEquals(new JobReply.NotFound(job.id), result.reply(), op.toString());
      assertEquals(List.of(), result.events(), op.toString());
      assertEquals(0, result.state().size(), op.toString());
    }
  }

  // ---- history, recovery ----

  @Test
  void historyKeepsTheLatestTransitionsAndSurvivesARestart() {
    var job = newJob();
    job.submit(spec());
    job.ok(new Start("agent", null));
    // 2 + 2 * 110 = 222 transitions, one batch each: past the history limit.
    for (int cycle = 0; cycle < 110; cycle++) {
      job.ok(new AwaitApproval("approval-" + cycle));
      job.ok(new ApprovalAnswered());
    }

    List<JobEvent> history = job.history();
    assertEquals(JobRules.HISTORY_LIMIT, history.size());
    // The oldest 22 (events 0..21) fell off: event 22 is cycle 10's ApprovalAwaited.
    assertEquals(new JobEvent.ApprovalAwaited(job.id, "approval-10", T0.plusSeconds(22)),
        history.get(0));
    assertEquals(new JobEvent.ApprovalResumed(job.id, "approval-109", T0.plusSeconds(221)),
        history.get(history.size() - 1));

    Job before = job.shard.kit.getState().job(job.id);
    State restarted = job.shard.kit.restart().state();
    assertEquals(before, restarted.job(job.id));
    assertEquals(history, restarted.history(job.id));
    assertEquals(1, restarted.size());
    assertEquals(history, job.history());
    // The shard is never snapshotted: it recovered from its events alone.
    assertEquals(List.of(), job.shard.kit.snapshotTestKit().orElseThrow()
        .persistedInStorage(job.shard.persistenceId()));
    // and the recovered job carries on
    assertEquals(JobStatus.SUCCEEDED, job.ok(new Succeed("done")).status());
  }

  @Test
  void repliesAndBatchesSerializeWithTheirEvents() {
    var job = newJob();
    job.bringTo(JobStatus.SUCCEEDED);

    JobReply history = job.run(new GetHistory()).reply();
    JobReply current = job.run(new Get()).reply();
    JobReply rejected = job.run(new Cancel("user")).reply();
    JobReply notFound = job.shard.run("never-submitted", new Get()).reply();

    assertEquals(3, assertInstanceOf(JobReply.History.class, history).events().size());
    assertInstanceOf(JobReply.Rejected.class, rejected);
    assertInstanceOf(JobReply.NotFound.class, notFound);
    // Replies cross nodes in a cluster; the history holds events of several types.
    for (JobReply reply : List.of(history, current, rejected, notFound)) {
      testKit.serializationTestKit().verifySerialization(reply, true);
    }
    // A journaled batch holds events of several types and jobs (the kit checks every persisted
    // one too; this one is checked explicitly).
    List<JobEvent> events = new ArrayList<>(job.history());
    events.add(new JobEvent.Submitted("other-job", spec().withCapabilities(List.of("java")), T0));
    testKit.serializationTestKit().verifySerialization(new Recorded(events), true);
  }

  @Test
  void eventsJournaledBeforeWorkspacesExistedStillRead() throws Exception {
    var serialization = SerializationExtension.get(testKit.system());
    JobSpec withWorkspace = spec().withWorkspace(new WorkspaceSpec("/repo", "HEAD", null, "abc"));
    Recorded now = new Recorded(List.of(new JobEvent.Submitted("job-w", withWorkspace, T0),
        new JobEvent.WorkspaceRecorded("job-w", 1, new JobWorkspace("/repo", "workmate/job-w",
            "abc", "def", List.of(new JobWorkspace.ChangedFile("a.txt", 2, 0))), T0)));
    var serializer = serialization.findSerializerFor(now);
    String manifest = org.apache.pekko.serialization.Serializers.manifestFor(serializer, now);
    assertEquals(now, serialization.deserialize(serialization.serialize(now).get(),
        serializer.identifier(), manifest).get());
    // the same batch as a journal written before issue 16 holds it: no workspace in the spec
    var cbor = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.cbor.CBORFactory());
    var tree = cbor.readTree(serialization.serialize(new Recorded(List.of(
        new JobEvent.Submitted("job-old", spec(), T0)))).get());
    var spec = (com.fasterxml.jackson.databind.node.ObjectNode) tree.findValue("spec");
    assertTrue(spec.has("workspace"), tree.toString());
    spec.remove("workspace");
    Recorded old = (Recorded) serialization.deserialize(cbor.writeValueAsBytes(tree),
        serializer.identifier(), manifest).get();
    JobEvent.Submitted submitted = (JobEvent.Submitted) old.events().get(0);
    assertNull(submitted.spec().workspace());
    assertEquals(spec(), submitted.spec());
    assertNull(Job.applying(null, submitted).workspace());
  }

  @Test
  void statusesAndEventTypesAreStoredByTheirWireNames() {
    var job = newJob();
    Job waiting = job.bringTo(JobStatus.WAITING_APPROVAL);

    var serialization = SerializationExtension.get(testKit.system());
    String batch = new String(serialization.serialize(new Recorded(job.history())).get(),
        StandardCharsets.ISO_8859_1);
    String reply = new String(serialization.serialize(new JobReply.Current(waiting)).get(),
        StandardCharsets.ISO_8859_1);

    // The journal outlives the code: names, not Java enum or class names, must be stored.
    assertTrue(batch.contains("submitted"), "event type by name");
    assertTrue(batch.contains("attempt_started"), "event type by name");
    assertTrue(batch.contains("approval_awaited"), "event type by name");
    assertFalse(batch.contains("ApprovalAwaited"), "not by class name");
    assertTrue(reply.contains("waiting_approval"), "status by wire name");
    assertFalse(reply.contains("WAITING_APPROVAL"), "not by enum name");
    assertEquals(JobStatus.WAITING_APPROVAL, JobStatus.fromWireName("waiting_approval"));
  }

  // ---- batches ----

  @Test
  void opsOfSeveralJobsInOneBatchAreJournaledAsOneEventWithRepliesInEntryOrder() {
    var shard = new TestShard();
    shard.ok("job-a", new Submit(spec()));
    shard.ok("job-b", new Submit(spec()));
    JobSpec specC = JobSpec.of("third", T0).withPriority(2);

    var result = shard.batch(
        new Entry("job-a", new Start("agent-a", null)),
        new Entry("job-c", new Submit(specC)),
        new Entry("job-b", new Cancel("not needed")),
        new Entry("job-a", new Get()));

    // One clock reading per batch: its transitions share a time.
    Instant at = T0.plusSeconds(2);
    assertEquals(1, result.events().size(), "one event for the whole batch");
    assertEquals(List.of(
            new JobEvent.AttemptStarted("job-a", 1, "agent-a", null, at),
            new JobEvent.Submitted("job-c", specC, at),
            new JobEvent.Cancelled("job-b", "not needed", at)),
        result.event().events(), "every transition, in entry order");
    State state = result.state();
    assertEquals(JobStatus.RUNNING, state.job("job-a").status());
    assertEquals(JobStatus.QUEUED, state.job("job-c").status());
    assertEquals(JobStatus.CANCELLED, state.job("job-b").status());
    assertEquals(List.of(
            new JobReply.Current(state.job("job-a")),
            new JobReply.Current(state.job("job-c")),
            new JobReply.Current(state.job("job-b")),
            new JobReply.Current(state.job("job-a"))),
        result.reply().replies());
    assertEquals(3, state.size());
    // one journal entry per batch: the two lone submits, then this one
    assertEquals(3, shard.journaled().size());
  }

  @Test
  void anOpSeesTheEarlierOpsOfItsBatch() {
    var shard = new TestShard();

    var result = shard.batch(
        new Entry("job-a", new Submit(spec())),
        new Entry("job-a", new Start("agent", null)),
        new Entry("job-a", new FailAttempt("HTTP 500", RETRY_AT)),
        new Entry("job-a", new Start("agent", null)),
        new Entry("job-a", new Submit(JobSpec.of("another prompt", T0))),
        new Entry("job-b", new Submit(spec())),
        new Entry("job-b", new Cancel("user")),
        new Entry("job-b", new Start("agent", null)));

    List<JobReply> replies = result.reply().replies();
    Job firstStart = current(replies.get(1));
    assertEquals(JobStatus.RUNNING, firstStart.status());
    assertEquals(1, firstStart.attempts(), "the start saw the submit");
    assertEquals(JobStatus.FAILED, current(replies.get(2)).status());
    Job secondStart = current(replies.get(3));
    assertEquals(2, secondStart.attempts(), "the second start counts on from the first");
    assertEquals(new JobReply.Current(secondStart), replies.get(4),
        "a repeated submit answers with the job as the batch left it");
    assertEquals(new JobReply.Rejected(JobRules.INVALID_TRANSITION,
        "job job-b is cancelled; it cannot be started"), replies.get(7));
    assertEquals(List.of(JobEvent.Submitted.class, JobEvent.AttemptStarted.class,
            JobEvent.AttemptFailed.class, JobEvent.AttemptStarted.class,
            JobEvent.Submitted.class, JobEvent.Cancelled.class),
        result.event().events().stream().map(Object::getClass).toList());
    assertEquals(secondStart, result.state().job("job-a"));
  }

  @Test
  void anOpBeforeTheSubmitOfItsBatchFindsNoJob() {
    var shard = new TestShard();

    var result = shard.batch(
        new Entry("job-a", new Start("agent", null)),
        new Entry("job-a", new Get()),
        new Entry("job-a", new Submit(spec())),
        new Entry("job-a", new Get()));

    List<JobReply> replies = result.reply().replies();
    assertEquals(new JobReply.NotFound("job-a"), replies.get(0));
    assertEquals(new JobReply.NotFound("job-a"), replies.get(1));
    Job queued = current(replies.get(2));
    assertEquals(JobStatus.QUEUED, queued.status());
    assertEquals(0, queued.attempts(), "the start before the submit did not count");
    assertEquals(new JobReply.Current(queued), replies.get(3));
    assertEquals(List.of(new JobEvent.Submitted("job-a", spec(), T0)), result.event().events());
  }

  @Test
  void aBatchOfOnlyReadsAndRejectionsJournalsNothing() {
    var shard = new TestShard();
    shard.ok("job-a", new Submit(spec()));
    shard.ok("job-a", new Start("agent", null));
    Job done = shard.ok("job-a", new Succeed("done"));
    List<JobEvent> history = List.copyOf(shard.kit.getState().history("job-a"));

    var result = shard.batch(
        new Entry("job-a", new Get()),
        new Entry("job-a", new GetHistory()),
        new Entry("job-a", new Cancel("user")),
        new Entry("job-a", new Submit(JobSpec.of("another prompt", T0))),
        new Entry("job-a", new Retry()),
        new Entry("never-submitted", new Start("agent", null)),
        new Entry("never-submitted", new GetHistory()));

    assertTrue(result.hasNoEvents(), "nothing to journal");
    assertEquals(List.of(
            new JobReply.Current(done),
            new JobReply.History("job-a", history),
            new JobReply.Rejected(JobRules.INVALID_TRANSITION,
                "job job-a is succeeded; it cannot be cancelled"),
            new JobReply.Current(done),
            new JobReply.Rejected(JobRules.INVALID_TRANSITION,
                "job job-a is succeeded; it cannot be retried"),
            new JobReply.NotFound("never-submitted"),
            new JobReply.NotFound("never-submitted")),
        result.reply().replies());
    assertEquals(3, shard.journaled().size(), "only the three earlier transitions are stored");
    assertEquals(done, result.state().job("job-a"));
    assertEquals(history, result.state().history("job-a"));
    assertEquals(1, result.state().size());
  }

  @Test
  void historyInABatchIncludesTheTransitionsOfItsEarlierOps() {
    var shard = new TestShard();
    shard.ok("job-a", new Submit(spec()));
    JobEvent submittedA = shard.kit.getState().history("job-a").get(0);

    var result = shard.batch(
        new Entry("job-a", new GetHistory()),
        new Entry("job-a", new Start("agent", null)),
        new Entry("job-a", new GetHistory()),
        new Entry("job-b", new Submit(spec())),
        new Entry("job-b", new GetHistory()),
        new Entry("job-a", new AwaitApproval("approval-1")),
        new Entry("job-a", new GetHistory()));

    Instant at = T0.plusSeconds(1);
    JobEvent started = new JobEvent.AttemptStarted("job-a", 1, "agent", null, at);
    JobEvent awaited = new JobEvent.ApprovalAwaited("job-a", "approval-1", at);
    List<JobReply> replies = result.reply().replies();
    assertEquals(new JobReply.History("job-a", List.of(submittedA)), replies.get(0));
    assertEquals(new JobReply.History("job-a", List.of(submittedA, started)), replies.get(2));
    assertEquals(new JobReply.History("job-b",
        List.of(new JobEvent.Submitted("job-b", spec(), at))), replies.get(4),
        "a job submitted in the batch has a history in it");
    assertEquals(new JobReply.History("job-a", List.of(submittedA, started, awaited)),
        replies.get(6), "only job-a's transitions, job-b's submit is not among them");
    assertEquals(List.of(submittedA, started, awaited), result.state().history("job-a"),
        "what the batch answered is what the shard keeps");
  }

  @Test
  void historyInABatchKeepsOnlyTheLatestTransitionsToo() {
    var shard = new TestShard();
    shard.ok("job-a", new Submit(spec()));
    shard.ok("job-a", new Start("agent", null));
    List<Entry> entries = new ArrayList<>();
    for (int cycle = 0; cycle < 110; cycle++) {
      entries.add(new Entry("job-a", new AwaitApproval("approval-" + cycle)));
      entries.add(new Entry("job-a", new ApprovalAnswered()));
    }
    entries.add(new Entry("job-a", new GetHistory()));

    var result = shard.batch(entries.toArray(Entry[]::new));

    assertEquals(220, result.event().events().size());
    List<JobEvent> history = assertInstanceOf(JobReply.History.class,
        result.reply().replies().get(220)).events();
    assertEquals(JobRules.HISTORY_LIMIT, history.size());
    // 222 transitions in all: the oldest 22 fell off, so it starts at cycle 10's await.
    Instant at = T0.plusSeconds(2);
    assertEquals(new JobEvent.ApprovalAwaited("job-a", "approval-10", at), history.get(0));
    assertEquals(new JobEvent.ApprovalResumed("job-a", "approval-109", at),
        history.get(history.size() - 1));
    assertEquals(history, result.state().history("job-a"));
  }

  @Test
  void getJobsListsEveryJobAsItIsInSubmissionOrderAlsoAfterARestart() {
    var shard = new TestShard();
    shard.batch(new Entry("job-c", new Submit(spec())), new Entry("job-a", new Submit(spec())));
    shard.ok("job-b", new Submit(spec().withPriority(5)));
    shard.ok("job-a", new Start("codex", null));
    shard.ok("job-c", new Cancel("not needed"));
    shard.ok("job-a", new FailAttempt("HTTP 500", RETRY_AT));
    assertTrue(shard.run("job-c", new Submit(spec())).events().isEmpty(),
        "a repeated submit changes nothing, nor the job's place");

    for (boolean restarted : List.of(false, true)) {
      if (restarted) {
        shard.kit.restart();
      }
      var result = shard.kit.<JobLedgerShard.Jobs>runCommand(JobLedgerShard.GetJobs::new);
      assertTrue(result.hasNoEvents(), "reading journals nothing");
      List<Job> listed = result.reply().jobs();
      assertEquals(List.of("job-c", "job-a", "job-b"), listed.stream().map(Job::id).toList(),
          "restarted: " + restarted);
      assertEquals(List.of(JobStatus.CANCELLED, JobStatus.FAILED, JobStatus.QUEUED),
          listed.stream().map(Job::status).toList());
      assertEquals(RETRY_AT, listed.get(1).retryAt());
      assertEquals(1, listed.get(1).attempts());
      assertEquals(5, listed.get(2).spec().priority());
      assertEquals(shard.kit.getState().job("job-a"), listed.get(1));
    }
  }

  @Test
  void theShardJournalsUnderTheLedgerNameAndItsNumber() {
    assertEquals("job-ledger|jobs-3", JobLedgerShard.persistenceId("jobs", 3).id());
    var shard = new TestShard();

    Recorded recorded = shard.batch(new Entry("job-a", new Submit(spec()))).event();

    String persistenceId = "job-ledger|" + shard.ledger + "-" + SHARD;
    assertEquals(List.of(recorded),
        shard.kit.persistenceTestKit().persistedInStorage(persistenceId));
  }

  // ---- helpers ----

  private static JobSpec spec() {
    return JobSpec.of("the prompt", T0);
  }

  private TestJob newJob() {
    return new TestJob(new TestShard(), "job-test-" + (++jobs));
  }

  private static Job current(JobReply reply) {
    return assertInstanceOf(JobReply.Current.class, reply).job();
  }

  /** What one op, alone in its batch, did: its reply, its transitions, the shard after it. */
  private record Outcome(JobReply reply, List<JobEvent> events, State state) {
    Job job() {
      return current(reply);
    }
  }

  /** One shard under test, the only one of its ledger, with its own ticking clock. */
  private final class TestShard {
    final String ledger = "ledger-test-" + (++shards);
    final EventSourcedBehaviorTestKit<Command, Recorded, State> kit =
        EventSourcedBehaviorTestKit.create(testKit.system(),
            JobLedgerShard.create(ledger, SHARD, new TickingClock(T0)), SERIALIZATION);

    String persistenceId() {
      return JobLedgerShard.persistenceId(ledger, SHARD).id();
    }

    /** The events in the shard's journal. */
    List<Object> journaled() {
      return kit.persistenceTestKit().persistedInStorage(persistenceId());
    }

    CommandResultWithReply<Command, Recorded, State, BatchRecorded> batch(Entry... entries) {
      var result = kit.<BatchRecorded>runCommand(
          replyTo -> new RecordBatch(List.of(entries), replyTo));
      assertEquals(entries.length, result.reply().replies().size(), "one reply per entry");
      assertTrue(result.events().size() <= 1, "a batch is journaled as one event at most");
      return result;
    }

    /** Runs {@code op} alone in a batch. */
    Outcome run(String jobId, JobOp op) {
      var result = batch(new Entry(jobId, op));
      return new Outcome(result.reply().replies().get(0), events(result), result.state());
    }

    /** Runs an op that must be accepted and returns the job it produced. */
    Job ok(String jobId, JobOp op) {
      Outcome result = run(jobId, op);
      assertEquals(1, result.events().size(), "expected one transition, got " + result.reply());
      return result.job();
    }

    private static List<JobEvent> events(CommandResult<Command, Recorded, State> result) {
      return result.hasNoEvents() ? List.of() : result.event().events();
    }
  }

  /** One job, alone in its own shard. */
  private static final class TestJob {
    final TestShard shard;
    final String id;

    TestJob(TestShard shard, String id) {
      this.shard = shard;
      this.id = id;
    }

    Job submit(JobSpec spec) {
      return ok(new Submit(spec));
    }

    Outcome run(JobOp op) {
      return shard.run(id, op);
    }

    Job ok(JobOp op) {
      return shard.ok(id, op);
    }

    List<JobEvent> history() {
      return assertInstanceOf(JobReply.History.class, run(new GetHistory()).reply()).events();
    }

    /** Takes a fresh job to {@code status} by the shortest valid path and returns it. */
    Job bringTo(JobStatus status) {
      submit(spec());
      switch (status) {
        case QUEUED -> { }
        case RUNNING -> start();
        case WAITING_APPROVAL -> {
          start();
          ok(new AwaitApproval("a-0"));
        }
        case FAILED -> {
          start();
          ok(new FailAttempt("err", RETRY_AT));
        }
        case SUCCEEDED -> {
          start();
          ok(new Succeed("done"));
        }
        case CANCELLED -> ok(new Cancel("user"));
        case DEAD -> {
          start();
          ok(new FailAttempt("fatal", null));
        }
      }
      Job job = shard.kit.getState().job(id);
      assertEquals(status, job.status());
      return job;
    }

    private void start() {
      ok(new Start("agent", null));
    }
  }
}
