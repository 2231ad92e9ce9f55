package io.workmate.jobs.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.support.Backoff;
import io.workmate.testkit.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One {@link JobAttempt} at a time on Pekko's manual clock, with probes for the ledger, the
 * agent and the dispatcher: every state (starting, running, awaitingApproval, interrupting,
 * recording), its timers (timeout, deadline, the interrupt's grace, the retry of an unstored
 * outcome) and replies that arrive after the outcome; each test asserts the attempt reports its
 * end exactly once and then stops.
 */
class JobAttemptTest {

  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Backoff BACKOFF =
      new Backoff(Duration.ofSeconds(10), Duration.ofSeconds(60), 2.0, 0.0);

  private static ActorTestKit testKit;
  private static ManualTime time;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create(ManualTime.config());
    time = ManualTime.get(testKit.system());
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** An attempt with its ledger, agent and dispatcher as probes, on a clock the test moves. */
  private static final class Rig {
    final ManualClock clock = new ManualClock(T0);
    final TestProbe<JobLedger.Command> ledger = testKit.createTestProbe();
    final TestProbe<Agent.Command> agent = testKit.createTestProbe();
    final TestProbe<JobAttempt.Report> dispatcher = testKit.createTestProbe();
    final JobSpec spec;
    final ActorRef<JobAttempt.Command> attempt;

    Rig(JobSpec spec) {
      this.spec = spec;
      AgentHandle handle = new AgentHandle(
          new AgentProfile("probe", AgentKind.HTTP, Set.of(), 1, 0), agent.getRef());
      attempt = testKit.spawn(JobAttempt.create("job-1", spec, handle, ledger.getRef(), clock,
          BACKOFF, dispatcher.getRef()));
    }

    /** The next op the attempt applies, of the given kind. */
    <T extends JobOp> JobLedger.Apply expectOp(Class<T> kind) {
      JobLedger.Apply apply = ledger.expectMessageClass(JobLedger.Apply.class, WAIT);
      assertInstanceOf(kind, apply.op(), apply.toString());
      assertEquals("job-1", apply.jobId());
      return apply;
    }

    void answer(JobLedger.Apply apply, JobStatus status, int attempts) {
      apply.replyTo().tell(new JobLedger.Answered(apply.ticket(), apply.jobId(),
          new JobReply.Current(job(status, attempts)), null));
    }

    Job job(JobStatus status, int attempts) {
      return new Job("job-1", spec, status, attempts, "probe", null, null, null, null, null, T0,
          clock.instant(), null);
    }

    /** Starts attempt {@code n}: the ledger stores the Start, the agent is invoked. */
    Agent.Invoke started(int n) {
      answer(expectOp(JobOp.Start.class), JobStatus.RUNNING, n);
      assertEquals(JobStatus.RUNNING, report(JobAttempt.JobChanged.class).job().status());
      Agent.Invoke invoke = agent.expectMessageClass(Agent.Invoke.class, WAIT);
      assertEquals("job-1#" + n, invoke.invocation().id());
      return invoke;
    }

    <T extends JobAttempt.Report> T report(Class<T> kind) {
      return assertInstanceOf(kind, dispatcher.receiveMessage(WAIT));
    }

    void pass(Duration duration) {
      clock.advance(duration);
      time.timePasses(duration);
    }

    /** Nothing more: no report, no op, no message to the agent, and the attempt has stopped. */
    void over() {
      time.expectNoMessageFor(Duration.ofSeconds(60), dispatcher, ledger, agent);
      TestProbe<Object> watcher = testKit.createTestProbe();
      watcher.expectTerminated(attempt, WAIT);
    }
  }

  @Test
  void oneAttemptThroughEveryStateEndsOnceAsTheDeadlineAfterTheAgentIgnoredTheInterrupt() {
    // timeout 60 s, deadline after 80 s: the timeout fires first, the deadline while
    // interrupting, and 30 s after the interrupt the agent's invocation is dropped
    Rig rig = new Rig(spec().withTimeoutSeconds(60).withMaxAttempts(3)
        .withDeadline(T0.plusSeconds(80)));
    // starting: the ledger has not answered the Start; a decision finds nothing yet
    TestProbe<ApprovalAnswer> answers = testKit.createTestProbe();
    rig.attempt.tell(new JobAttempt.Decide("ap-1", ApprovalDecision.ACCEPT, answers.getRef()));
    assertInstanceOf(ApprovalAnswer.NotFound.class, answers.receiveMessage(WAIT));
    Agent.Invoke invoke = rig.started(1);
    String id = invoke.invocation().id();

    // running: the thread is attached, items go to the watchers
    invoke.replyTo().tell(new Agent.Update.Started(id, "thread-1"));
    JobLedger.Apply attach = rig.expectOp(JobOp.AttachThread.class); // answered late, below
    invoke.replyTo().tell(new Agent.Update.Item(id, "item_completed", null));
    assertInstanceOf(JobFeed.Item.class, rig.report(JobAttempt.Feed.class).event());

    // awaitingApproval: the ledger hears it once, the reviewer's answer reaches the agent
    invoke.replyTo().tell(new Agent.Update.ApprovalRequested(id, approval("ap-1")));
    assertEquals(List.of("ap-1"), rig.report(JobAttempt.ApprovalsChanged.class).pending()
        .stream().map(PendingApproval::id).toList());
    assertInstanceOf(JobFeed.ApprovalRequested.class, rig.report(JobAttempt.Feed.class).event());
    rig.answer(rig.expectOp(JobOp.AwaitApproval.class), JobStatus.WAITING_APPROVAL, 1);
    assertEquals(JobStatus.WAITING_APPROVAL,
        rig.report(JobAttempt.JobChanged.class).job().status());
    rig.attempt.tell(new JobAttempt.Decide("ap-1", ApprovalDecision.ACCEPT, answers.getRef()));
    Agent.Decide decide = rig.agent.expectMessageClass(Agent.Decide.class, WAIT);
    assertEquals("ap-1", decide.approvalId());
    decide.replyTo().tell(new Agent.Decided(true, null));
    assertInstanceOf(ApprovalAnswer.Done.class, answers.receiveMessage(WAIT));
    invoke.replyTo().tell(new Agent.Update.ApprovalResolved(id, "ap-1", "accept"));
    assertTrue(rig.report(JobAttempt.ApprovalsChanged.class).pending().isEmpty());
    rig.report(JobAttempt.Feed.class);
    rig.answer(rig.expectOp(JobOp.ApprovalAnswered.class), JobStatus.RUNNING, 1);
    rig.report(JobAttempt.JobChanged.class);

    // interrupting: the attempt's timeout fires; the agent does not end the invocation
    rig.pass(Duration.ofSeconds(59));
    rig.agent.expectNoMessage(Duration.ofMillis(50));
    rig.pass(Duration.ofSeconds(1));
    assertEquals(id, rig.agent.expectMessageClass(Agent.Interrupt.class, WAIT).invocationId());
    rig.pass(Duration.ofSeconds(20)); // the deadline passes meanwhile: it decides the outcome
    rig.agent.expectNoMessage(Duration.ofMillis(50)); // one interrupt only
    rig.dispatcher.expectNoMessage(Duration.ofMillis(50));

    // recording: 30 s after the interrupt the invocation is dropped; the first store fails
    rig.pass(Duration.ofSeconds(10));
    JobLedger.Apply fail = rig.expectOp(JobOp.FailAttempt.class);
    JobOp.FailAttempt failed = (JobOp.FailAttempt) fail.op();
    assertTrue(failed.error().contains("deadline"), failed.error());
    assertNull(failed.retryAt(), "no retry after the deadline, though attempts are left");
    fail.replyTo().tell(new JobLedger.Answered(fail.ticket(), "job-1", null, "disk full"));
    rig.dispatcher.expectNoMessage(Duration.ofMillis(50));
    rig.pass(JobAttempt.RECORD_AGAIN_AFTER);
    JobLedger.Apply again = rig.expectOp(JobOp.FailAttempt.class);
    assertEquals(failed, again.op(), "the same outcome, sent again");

    // late replies: the agent's end and the ledger's answer to an old op change nothing
    invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.SUCCEEDED, "late", null));
    rig.answer(again, JobStatus.DEAD, 1);
    JobAttempt.Recorded recorded = rig.report(JobAttempt.Recorded.class);
    assertEquals("timed_out", recorded.outcome());
    assertEquals(JobStatus.DEAD,
        assertInstanceOf(JobReply.Current.class, recorded.reply()).job().status());
    assertEquals(Duration.ofSeconds(92), recorded.ran());
    rig.answer(attach, JobStatus.RUNNING, 1);
    invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.FAILED, null, "later"));
    rig.over();
  }

  @Test
  void aSuccessIsRecordedOnceAndAnUpdateAfterItIsDropped() {
    Rig rig = new Rig(spec().withTimeoutSeconds(10));
    Agent.Invoke invoke = rig.started(1);
    String id = invoke.invocation().id();
    invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.SUCCEEDED, "done", null));
    JobLedger.Apply succeed = rig.expectOp(JobOp.Succeed.class);
    assertEquals("done", ((JobOp.Succeed) succeed.op()).text());
    rig.pass(Duration.ofSeconds(20)); // its timeout passes while the outcome is stored
    invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.FAILED, null, "twice"));
    rig.answer(succeed, JobStatus.SUCCEEDED, 1);
    assertEquals("succeeded", rig.report(JobAttempt.Recorded.class).outcome());
    rig.over();
  }

  @Test
  void aTimedOutAttemptIsFailedWithItsRetryTime() {
    Rig rig = new Rig(spec().withTimeoutSeconds(120).withMaxAttempts(2));
    Agent.Invoke invoke = rig.started(1);
    rig.pass(Duration.ofSeconds(120));
    rig.agent.expectMessageClass(Agent.Interrupt.class, WAIT);
    invoke.replyTo().tell(new Agent.Update.Finished(invoke.invocation().id(),
        Agent.Outcome.INTERRUPTED, null, "interrupted"));
    JobLedger.Apply fail = rig.expectOp(JobOp.FailAttempt.class);
    JobOp.FailAttempt failed = (JobOp.FailAttempt) fail.op();
    assertEquals("attempt 1 timed out after 120 s", failed.error());
    assertEquals(T0.plusSeconds(120).plus(BACKOFF.delay(0)), failed.retryAt());
    rig.answer(fail, JobStatus.FAILED, 1);
    assertEquals("timed_out", rig.report(JobAttempt.Recorded.class).outcome());
    rig.over();
  }

  @Test
  void aCancelOutranksTheReleaseAndTheSuccessThatCrossedIt() {
    Rig rig = new Rig(spec());
    Agent.Invoke invoke = rig.started(1);
    String id = invoke.invocation().id();
    invoke.replyTo().tell(new Agent.Update.ApprovalRequested(id, approval("ap-1")));
    rig.report(JobAttempt.ApprovalsChanged.class);
    rig.report(JobAttempt.Feed.class);
    rig.answer(rig.expectOp(JobOp.AwaitApproval.class), JobStatus.WAITING_APPROVAL, 1);
    rig.report(JobAttempt.JobChanged.class);

    rig.attempt.tell(new JobAttempt.ReleaseIfAwaitingApproval("draining"));
    rig.agent.expectMessageClass(Agent.Interrupt.class, WAIT);
    TestProbe<JobReply> canceller = testKit.createTestProbe();
    rig.attempt.tell(new JobAttempt.Cancel(canceller.getRef()));
    invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.SUCCEEDED, "crossed", null));
    assertTrue(rig.report(JobAttempt.ApprovalsChanged.class).pending().isEmpty());
    rig.answer(rig.expectOp(JobOp.ApprovalAnswered.class), JobStatus.RUNNING, 1);
    rig.report(JobAttempt.JobChanged.class);
    rig.answer(rig.expectOp(JobOp.Cancel.class), JobStatus.CANCELLED, 1);
    JobAttempt.Recorded recorded = rig.report(JobAttempt.Recorded.class);
    assertEquals("cancelled", recorded.outcome());
    assertEquals(JobStatus.CANCELLED, recorded.job().status());
    // the dispatcher answers it once the slot is free, so the answer never finds it running
    assertEquals(List.of(canceller.getRef()), recorded.cancels());
    canceller.expectNoMessage(Duration.ofMillis(100));
    rig.over();
  }

  @Test
  void aReleaseWhileWaitingForAnApprovalWithdrawsItAndARunningAttemptIsNotReleasedByTheDrain() {
    Rig rig = new Rig(spec());
    Agent.Invoke invoke = rig.started(1);
    String id = invoke.invocation().id();
    rig.attempt.tell(new JobAttempt.ReleaseIfAwaitingApproval("draining"));
    rig.agent.expectNoMessage(Duration.ofMillis(100)); // running, not waiting: it goes on
    invoke.replyTo().tell(new Agent.Update.ApprovalRequested(id, approval("ap-old")));
    rig.report(JobAttempt.ApprovalsChanged.class);
    rig.report(JobAttempt.Feed.class);
    rig.answer(rig.expectOp(JobOp.AwaitApproval.class), JobStatus.WAITING_APPROVAL, 1);
    rig.report(JobAttempt.JobChanged.class);
    rig.attempt.tell(new JobAttempt.ReleaseIfAwaitingApproval("draining"));
    rig.agent.expectMessageClass(Agent.Interrupt.class, WAIT);
    invoke.replyTo().tell(new Agent.Update.Finished(id, Agent.Outcome.INTERRUPTED, null, "x"));
    rig.report(JobAttempt.ApprovalsChanged.class);
    rig.answer(rig.expectOp(JobOp.ApprovalAnswered.class), JobStatus.RUNNING, 1);
    rig.report(JobAttempt.JobChanged.class);
    JobLedger.Apply release = rig.expectOp(JobOp.Release.class);
    assertEquals(new JobOp.Release("draining", "ap-old"), release.op());
    rig.answer(release, JobStatus.QUEUED, 0);
    assertEquals("released", rig.report(JobAttempt.Recorded.class).outcome());
    rig.over();
  }

  @Test
  void aStopAskedBeforeTheStartIsRecordedWithoutInvokingTheAgent() {
    Rig rig = new Rig(spec());
    JobLedger.Apply start = rig.expectOp(JobOp.Start.class);
    TestProbe<JobReply> canceller = testKit.createTestProbe();
    rig.attempt.tell(new JobAttempt.Cancel(canceller.getRef()));
    rig.answer(start, JobStatus.RUNNING, 1);
    rig.report(JobAttempt.JobChanged.class);
    rig.answer(rig.expectOp(JobOp.Cancel.class), JobStatus.CANCELLED, 1);
    JobAttempt.Recorded recorded = rig.report(JobAttempt.Recorded.class);
    assertEquals("cancelled", recorded.outcome());
    assertEquals(List.of(canceller.getRef()), recorded.cancels(), "for the dispatcher to answer");
    rig.over(); // the agent heard nothing
  }

  @Test
  void aStartTheLedgerDidNotStoreEndsAsNotStarted() {
    Rig rig = new Rig(spec());
    JobLedger.Apply start = rig.expectOp(JobOp.Start.class);
    start.replyTo().tell(new JobLedger.Answered(start.ticket(), start.jobId(), null,
        "the job store did not answer: it failed and restarts"));
    JobAttempt.NotStarted notStarted = rig.report(JobAttempt.NotStarted.class);
    assertNull(notStarted.job(), "the store did not answer");
    assertTrue(notStarted.why().contains("did not answer"), notStarted.why());
    rig.over(); // the agent heard nothing
  }

  // ---- helpers ----

  private static JobSpec spec() {
    return JobSpec.of("a prompt", T0);
  }

  private static PendingApproval approval(String id) {
    return new PendingApproval(id, "thread", "turn", "command", "execCommandApproval",
        "echo hi", "/tmp", null, T0, T0.plusSeconds(600));
  }

}
