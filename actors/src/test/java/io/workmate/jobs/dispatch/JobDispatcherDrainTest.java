package io.workmate.jobs.dispatch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobEvent;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.support.Backoff;
import io.workmate.testkit.H2TestJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dispatcher's part of a graceful stop, on the real H2 journal with a probe for an agent:
 * a drain refuses submits and starts nothing, answers once the running attempts ended, and a
 * released attempt goes back to the queue without being counted; an approval it waited on is
 * withdrawn, and answering it later is refused naming the approval the job waits on now.
 */
class JobDispatcherDrainTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final String SHUTDOWN =
      "interrupted by shutdown: requeued without spending an attempt (test)";
  private static final AtomicInteger LEDGERS = new AtomicInteger();
  private static ActorTestKit testKit;

  @TempDir static Path journalDir;

  @BeforeAll
  static void start() {
    testKit = H2TestJournal.start("job-drain", journalDir.resolve("journal/workmate"));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void aDrainRefusesNewJobsStartsNoneAndAnswersOnceTheRunningOneEnded() {
    TestProbe<Agent.Command> agent = testKit.createTestProbe();
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(ledger(), agent);
    Job running = submit(dispatcher, "running");
    Agent.Invoke invoke = agent.expectMessageClass(Agent.Invoke.class, TIMEOUT);
    Job queued = submit(dispatcher, "queued");

    TestProbe<JobDispatcher.Drained> drained = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.Drain(drained.getRef()));
    JobReply.Rejected refused = assertInstanceOf(JobReply.Rejected.class,
        ask(dispatcher, r -> new JobDispatcher.Submit(spec("too late"), r)));
    assertEquals(JobDispatcher.DRAINING, refused.code());
    assertTrue(stats(dispatcher).draining());
    drained.expectNoMessage(Duration.ofMillis(300));

    finish(invoke, Agent.Outcome.SUCCEEDED, "done");
    assertEquals(0, drained.receiveMessage(TIMEOUT).released());
    assertEquals(JobStatus.SUCCEEDED, get(dispatcher, running.id()).status());
    assertEquals(JobStatus.QUEUED, get(dispatcher, queued.id()).status());
    agent.expectNoMessage(Duration.ofMillis(300)); // the queued job waits for the next start
  }

  @Test
  void releasedAttemptsAreRequeuedWithoutBeingCounted() {
    TestProbe<Agent.Command> agent = testKit.createTestProbe();
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(ledger(), agent);
    Job job = submit(dispatcher, "long");
    Agent.Invoke invoke = agent.expectMessageClass(Agent.Invoke.class, TIMEOUT);
    TestProbe<JobDispatcher.Drained> drained = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.Drain(drained.getRef()));

    dispatcher.tell(new JobDispatcher.ReleaseRunning(SHUTDOWN));
    assertEquals(invoke.invocation().id(),
        agent.expectMessageClass(Agent.Interrupt.class, TIMEOUT).invocationId());
    finish(invoke, Agent.Outcome.INTERRUPTED, "interrupted");
    assertEquals(1, drained.receiveMessage(TIMEOUT).released());

    Job after = get(dispatcher, job.id());
    assertEquals(JobStatus.QUEUED, after.status());
    assertEquals(0, after.attempts(), "the released attempt is not counted");
    assertEquals(SHUTDOWN, after.lastError());
    List<JobEvent> history = assertInstanceOf(JobReply.History.class,
        ask(dispatcher, r -> new JobDispatcher.GetHistory(job.id(), r))).events();
    assertInstanceOf(JobEvent.AttemptReleased.class, history.get(history.size() - 1));
  }

  @Test
  void anApprovalWithdrawnByTheDrainIsRefusedNamingTheNewOneAfterTheRestart() {
    String ledger = ledger();
    TestProbe<Agent.Command> agent = testKit.createTestProbe();
    ActorRef<JobDispatcher.Command> first = dispatcher(ledger, agent);
    Job job = submit(first, "needs a person");
    Agent.Invoke invoke = agent.expectMessageClass(Agent.Invoke.class, TIMEOUT);
    invoke.replyTo().tell(new Agent.Update.ApprovalRequested(invoke.invocation().id(),
        approval("ap-old")));
    awaitStatus(first, job.id(), JobStatus.WAITING_APPROVAL);

    TestProbe<JobDispatcher.Drained> drained = testKit.createTestProbe();
    first.tell(new JobDispatcher.Drain(drained.getRef()));
    // nobody may answer before the drain ends: the attempt is given back at once
    agent.expectMessageClass(Agent.Interrupt.class, TIMEOUT);
    finish(invoke, Agent.Outcome.INTERRUPTED, "interrupted");
    assertEquals(1, drained.receiveMessage(TIMEOUT).released());
    Job released = get(first, job.id());
    assertEquals(0, released.attempts());
    assertEquals("ap-old", released.withdrawnApprovalId());
    testKit.stop(first);

    ActorRef<JobDispatcher.Command> second = dispatcher(ledger, agent);
    Agent.Invoke again = agent.expectMessageClass(Agent.Invoke.class, TIMEOUT);
    TestProbe<ApprovalAnswer> answer = testKit.createTestProbe();
    second.tell(new JobDispatcher.DecideApproval("ap-old", ApprovalDecision.ACCEPT,
        answer.getRef()));
    assertTrue(assertInstanceOf(ApprovalAnswer.Refused.class,
        answer.receiveMessage(TIMEOUT)).message().contains("withdrawn"));

    again.replyTo().tell(new Agent.Update.ApprovalRequested(again.invocation().id(),
        approval("ap-new")));
    awaitStatus(second, job.id(), JobStatus.WAITING_APPROVAL);
    second.tell(new JobDispatcher.DecideApproval("ap-old", ApprovalDecision.ACCEPT,
        answer.getRef()));
    String message = assertInstanceOf(ApprovalAnswer.Refused.class,
        answer.receiveMessage(TIMEOUT)).message();
    assertTrue(message.contains("ap-new"), "names the approval the job waits on: " + message);
    assertEquals(1, get(second, job.id()).attempts());
  }

  // ---- helpers ----

  private static String ledger() {
    return "drain-" + LEDGERS.incrementAndGet();
  }

  /** One agent that runs one attempt at a time, so a second job queues. */
  private static ActorRef<JobDispatcher.Command> dispatcher(String ledger,
      TestProbe<Agent.Command> agent) {
    AgentHandle handle = new AgentHandle(
        new AgentProfile("probe", AgentKind.HTTP, Set.of(), 1, 0), agent.getRef());
    return testKit.spawn(JobDispatcher.create(JobDispatcherSettings.of(
        new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0), List.of(handle))
        .withLedger(ledger)));
  }

  private static PendingApproval approval(String id) {
    Instant now = Instant.now();
    return new PendingApproval(id, "thread", "turn", "command", "execCommandApproval",
        "echo hi", "/tmp", null, now, now.plusSeconds(600));
  }

  private static void finish(Agent.Invoke invoke, Agent.Outcome outcome, String text) {
    invoke.replyTo().tell(new Agent.Update.Finished(invoke.invocation().id(), outcome,
        outcome == Agent.Outcome.SUCCEEDED ? text : null,
        outcome == Agent.Outcome.SUCCEEDED ? null : text));
  }

  private static JobSpec spec(String prompt) {
    return JobSpec.of(prompt, Instant.now());
  }

  private static JobReply ask(ActorRef<JobDispatcher.Command> dispatcher,
      Function<ActorRef<JobReply>, JobDispatcher.Command> command) {
    TestProbe<JobReply> probe = testKit.createTestProbe();
    dispatcher.tell(command.apply(probe.getRef()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static Job submit(ActorRef<JobDispatcher.Command> dispatcher, String prompt) {
    return assertInstanceOf(JobReply.Current.class,
        ask(dispatcher, r -> new JobDispatcher.Submit(spec(prompt), r))).job();
  }

  private static Job get(ActorRef<JobDispatcher.Command> dispatcher, String id) {
    return assertInstanceOf(JobReply.Current.class,
        ask(dispatcher, r -> new JobDispatcher.Get(id, r))).job();
  }

  private static JobStats stats(ActorRef<JobDispatcher.Command> dispatcher) {
    TestProbe<JobStats> probe = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.GetStats(probe.getRef()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static void awaitStatus(ActorRef<JobDispatcher.Command> dispatcher, String id,
      JobStatus status) {
    org.awaitility.Awaitility.await().atMost(TIMEOUT)
        .until(() -> get(dispatcher, id).status() == status);
  }
}
