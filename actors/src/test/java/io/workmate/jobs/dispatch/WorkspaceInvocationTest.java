package io.workmate.jobs.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;

import io.workmate.agents.Agent;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobWorkspace;
import io.workmate.jobs.WorkspaceSpec;
import io.workmate.workspaces.Workspaces;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The workspace steps around one invocation, with the agent, the ledger and the workspaces as
 * probes: the worktree is made and recorded before the agent runs in it, a success is reported
 * only once its commit is recorded, a failure leaves the worktree, and a follow-up whose thread
 * codex cannot resume runs again on a fresh thread.
 */
class WorkspaceInvocationTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Duration WAIT = Duration.ofSeconds(5);
  private static final Instant T0 = Instant.parse("2026-12-07T10:00:00Z");
  private static final Path WORKTREE = Path.of("/data/worktrees/job-1");

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private final TestProbe<Agent.Command> agent = testKit.createTestProbe();
  private final TestProbe<JobLedger.Command> ledger = testKit.createTestProbe();
  private final TestProbe<Workspaces.Command> workspaces = testKit.createTestProbe();
  private final TestProbe<Agent.Update> attempt = testKit.createTestProbe();

  private ActorRef<Agent.Command> invocation(WorkspaceSpec spec, JobWorkspace recorded) {
    ActorRef<Agent.Command> ref = testKit.spawn(WorkspaceInvocation.create("job-1", spec,
        recorded, agent.getRef(), ledger.getRef(), workspaces.getRef()));
    ref.tell(new Agent.Invoke(new Agent.Invocation("job-1#1", "do it", null, null,
        Duration.ofMinutes(1)), attempt.getRef()));
    return ref;
  }

  @Test
  void theAgentRunsInTheRecordedWorktreeAndSuccessWaitsForTheRecordedCommit() {
    invocation(new WorkspaceSpec("/repo", "HEAD", null, "base1"), null);
    Workspaces.Prepare prepare = workspaces.expectMessageClass(Workspaces.Prepare.class, WAIT);
    assertEquals("workmate/job-1", prepare.branch());
    assertEquals("base1", prepare.baseCommit());
    prepare.replyTo().tell(new Workspaces.Prepared(WORKTREE, null));
    JobOp.RecordWorkspace base = answer(JobOp.RecordWorkspace.class);
    assertNull(base.workspace().headCommit());
    Agent.Invoke invoke = agent.expectMessageClass(Agent.Invoke.class, WAIT);
    assertEquals(WORKTREE.toString(), invoke.invocation().cwd());
    invoke.replyTo().tell(new Agent.Update.Finished("job-1#1", Agent.Outcome.SUCCEEDED, "done",
        null));
    Workspaces.Commit commit = workspaces.expectMessageClass(Workspaces.Commit.class, WAIT);
    attempt.expectNoMessage(Duration.ofMillis(200)); // not before the commit is recorded
    commit.replyTo().tell(new Workspaces.Committed("head1",
        List.of(new Workspaces.ChangedFile("a.txt", 1, 0)), null));
    JobOp.RecordWorkspace head = answer(JobOp.RecordWorkspace.class);
    assertEquals("head1", head.workspace().headCommit());
    assertEquals(List.of(new JobWorkspace.ChangedFile("a.txt", 1, 0)), head.workspace().files());
    Agent.Update.Finished finished =
        attempt.expectMessageClass(Agent.Update.Finished.class, WAIT);
    assertEquals(Agent.Outcome.SUCCEEDED, finished.outcome());
  }

  @Test
  void aWorktreeThatCannotBeMadeFailsTheAttemptWithGitsReason() {
    invocation(new WorkspaceSpec("/gone", "HEAD", null, "base1"), null);
    workspaces.expectMessageClass(Workspaces.Prepare.class, WAIT).replyTo()
        .tell(new Workspaces.Prepared(null, "cannot make the worktree: /gone: no such file"));
    Agent.Update.Finished finished =
        attempt.expectMessageClass(Agent.Update.Finished.class, WAIT);
    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertEquals("cannot make the worktree: /gone: no such file", finished.error());
    agent.expectNoMessage(Duration.ofMillis(100));
  }

  @Test
  void aFollowUpWhoseThreadIsGoneRunsOnAFreshThreadUnderItsOwnId() {
    JobWorkspace recorded = new JobWorkspace("/repo", "workmate/job-0", "head0", null,
        List.of());
    invocation(new WorkspaceSpec("/repo", "workmate/job-0", "workmate/job-0", "head0", "job-0",
        "thread-0"), recorded);
    workspaces.expectMessageClass(Workspaces.Prepare.class, WAIT).replyTo()
        .tell(new Workspaces.Prepared(WORKTREE, null));
    Agent.Invoke resumed = agent.expectMessageClass(Agent.Invoke.class, WAIT);
    assertEquals("thread-0", resumed.invocation().resumeThreadId());
    resumed.replyTo().tell(new Agent.Update.Finished("job-1#1", Agent.Outcome.FAILED, null,
        "could not resume the codex thread: no rollout found"));
    Agent.Invoke fresh = agent.expectMessageClass(Agent.Invoke.class, WAIT);
    assertNull(fresh.invocation().resumeThreadId());
    assertEquals("job-1#1~fresh", fresh.invocation().id());
    fresh.replyTo().tell(new Agent.Update.Started("job-1#1~fresh", "thread-1"));
    assertEquals(new Agent.Update.Started("job-1#1", "thread-1"),
        attempt.expectMessageClass(Agent.Update.Started.class, WAIT));
    fresh.replyTo().tell(new Agent.Update.Finished("job-1#1~fresh", Agent.Outcome.FAILED, null,
        "turn failed"));
    Agent.Update.Finished finished =
        attempt.expectMessageClass(Agent.Update.Finished.class, WAIT);
    assertEquals("job-1#1", finished.invocationId());
    assertEquals("turn failed", finished.error());
  }

  /** The next op to the ledger, answered as stored. */
  private <T extends JobOp> T answer(Class<T> kind) {
    JobLedger.Apply apply = ledger.expectMessageClass(JobLedger.Apply.class, WAIT);
    T op = assertInstanceOf(kind, apply.op());
    Job job = new Job("job-1", JobSpec.of("do it", T0), JobStatus.RUNNING, 1, "probe", null,
        null, null, null, null, T0, T0, null);
    apply.replyTo().tell(new JobLedger.Answered(apply.ticket(), apply.jobId(),
        new JobReply.Current(job), null));
    return op;
  }
}
