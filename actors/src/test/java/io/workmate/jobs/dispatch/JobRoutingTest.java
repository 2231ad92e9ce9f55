package io.workmate.jobs.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobRules;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import io.workmate.support.Backoff;
import io.workmate.testkit.H2TestJournal;
import io.workmate.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dispatcher's routing, limits, deadlines, retries of dead jobs and listing, on the real H2
 * file journal, with agents that are test probes: each test decides when an invocation ends, so what runs where and when is
 * seen exactly. (The attempts on the real codex are {@link JobDispatcherTest}'s.)
 */
class JobRoutingTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(20);
  private static final Backoff SMALL_BACKOFF =
      new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0);

  private static final java.util.concurrent.atomic.AtomicInteger LEDGERS =
      new java.util.concurrent.atomic.AtomicInteger();
  private static ActorTestKit testKit;

  @TempDir static Path journalDir;

  @BeforeAll
  static void start() {
    testKit = H2TestJournal.start("job-routing", journalDir.resolve("journal/workmate"));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  /** An agent whose invocations the test sees and ends. */
  private record ProbeAgent(AgentHandle handle, TestProbe<Agent.Command> probe) {
    Agent.Invoke nextInvoke() {
      return probe.expectMessageClass(Agent.Invoke.class, TIMEOUT);
    }

    void finish(Agent.Invoke invoke, Agent.Outcome outcome, String text) {
      invoke.replyTo().tell(new Agent.Update.Started(invoke.invocation().id(), null));
      invoke.replyTo().tell(new Agent.Update.Finished(invoke.invocation().id(), outcome,
          outcome == Agent.Outcome.SUCCEEDED ? text : null,
          outcome == Agent.Outcome.SUCCEEDED ? null : text));
    }
  }

  private static ProbeAgent agent(String id, Set<String> capabilities, int maxConcurrent,
      int ratePerMinute) {
    TestProbe<Agent.Command> probe = testKit.createTestProbe();
    return new ProbeAgent(new AgentHandle(
        new AgentProfile(id, AgentKind.HTTP, capabilities, maxConcurrent, ratePerMinute),
        probe.getRef()), probe);
  }

  @Test
  void jobsGoToTheNamedAgentOrToOneWithAllTheCapabilitiesAndUnroutableJobsAreRefused() {
    ProbeAgent plain = agent("plain", Set.of("code"), 4, 0);
    ProbeAgent gpu = agent("gpu", Set.of("code", "gpu"), 4, 0);
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(Clock.systemUTC(), plain, gpu);

    Job needsGpu = submit(dispatcher, spec("needs a gpu").withCapabilities(List.of("gpu")));
    Agent.Invoke onGpu = gpu.nextInvoke();
    assertEquals("needs a gpu", onGpu.invocation().prompt());
    assertEquals(needsGpu.id() + "#1", onGpu.invocation().id());

    Job named = submit(dispatcher, spec("for plain").withAgent("plain"));
    assertEquals("for plain", plain.nextInvoke().invocation().prompt());
    Job byDefault = submit(dispatcher, spec("no preference"));
    assertEquals("no preference", plain.nextInvoke().invocation().prompt(),
        "a job naming nothing runs on the default (first) agent");
    gpu.probe().expectNoMessage(Duration.ofMillis(200));

    assertEquals(JobDispatcher.NO_MATCHING_AGENT,
        rejected(dispatcher, spec("x").withAgent("nobody")).code());
    assertEquals(JobDispatcher.NO_MATCHING_AGENT,
        rejected(dispatcher, spec("x").withCapabilities(List.of("quantum"))).code());
    assertEquals(JobDispatcher.NO_MATCHING_AGENT,
        rejected(dispatcher, spec("x").withAgent("plain").withCapabilities(List.of("gpu")))
            .code());
    assertEquals(JobStatus.RUNNING, get(dispatcher, named.id()).status());
    assertEquals("plain", get(dispatcher, byDefault.id()).agent());
    assertEquals("gpu", get(dispatcher, needsGpu.id()).agent());
  }

  @Test
  void aPlainNameRunsOnThatAgentOfThisNodeAndAnotherNodesAgentIsNotHere() {
    ProbeAgent local = agent("codex@node-a", Set.of("code"), 4, 0);
    ProbeAgent echo = agent("echo@node-a", Set.of("echo"), 4, 0);
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(Clock.systemUTC(), local, echo);

    Job plain = submit(dispatcher, spec("plain name").withAgent("codex"));
    assertEquals("plain name", local.nextInvoke().invocation().prompt());
    Job qualified = submit(dispatcher, spec("full id").withAgent("echo@node-a"));
    assertEquals("full id", echo.nextInvoke().invocation().prompt());
    assertEquals("codex@node-a", get(dispatcher, plain.id()).agent());
    assertEquals("echo@node-a", get(dispatcher, qualified.id()).agent());
    JobReply.Rejected elsewhere = rejected(dispatcher, spec("x").withAgent("codex@node-b"));
    assertEquals(JobDispatcher.NO_MATCHING_AGENT, elsewhere.code());
    assertEquals(JobDispatcher.NO_MATCHING_AGENT,
        rejected(dispatcher, spec("x").withAgent("cod")).code(), "a prefix is no name");
  }

  @Test
  void anAgentRunsAtMostItsMaxConcurrentAndABusyAgentDoesNotHoldBackTheOthers() {
    ProbeAgent narrow = agent("narrow", Set.of(), 2, 0);
    ProbeAgent other = agent("other", Set.of(), 2, 0);
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(Clock.systemUTC(), narrow, other);

    List<Job> jobs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      jobs.add(submit(dispatcher, spec("narrow " + i).withAgent("narrow")));
    }
    Agent.Invoke first = narrow.nextInvoke();
    Agent.Invoke second = narrow.nextInvoke();
    narrow.probe().expectNoMessage(Duration.ofMillis(300));
    assertEquals(Integer.valueOf(2), stats(dispatcher).runningByAgent().get("narrow"));

    submit(dispatcher, spec("behind the busy ones").withAgent("other"));
    assertEquals("behind the busy ones", other.nextInvoke().invocation().prompt());

    narrow.finish(first, Agent.Outcome.SUCCEEDED, "one");
    Agent.Invoke third = narrow.nextInvoke();
    assertEquals("narrow 2", third.invocation().prompt(), "FIFO within the agent's jobs");
    narrow.probe().expectNoMessage(Duration.ofMillis(300));
    narrow.finish(second, Agent.Outcome.SUCCEEDED, "two");
    narrow.finish(third, Agent.Outcome.SUCCEEDED, "three");
    narrow.finish(narrow.nextInvoke(), Agent.Outcome.SUCCEEDED, "four");
    for (Job job : jobs) {
      awaitStatus(dispatcher, job.id(), JobStatus.SUCCEEDED);
    }
    // the first two attempts are actors of their own: either may reach the agent first
    Job firstFinished = jobs.stream()
        .filter(job -> first.invocation().id().equals(job.id() + "#1")).findFirst().orElseThrow();
    assertEquals("one", get(dispatcher, firstFinished.id()).resultText());
  }

  @Test
  void anAgentStartsAtMostItsRateLimitInAnyMinute() {
    ManualClock clock = new ManualClock(Instant.now());
    ProbeAgent limited = agent("limited", Set.of(), 10, 2);
    ProbeAgent other = agent("other", Set.of(), 10, 0);
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(clock, limited, other);

    Job a = submit(dispatcher, spec("a").withAgent("limited"));
    Job b = submit(dispatcher, spec("b").withAgent("limited"));
    Job c = submit(dispatcher, spec("c").withAgent("limited"));
    limited.finish(limited.nextInvoke(), Agent.Outcome.SUCCEEDED, "a");
    limited.finish(limited.nextInvoke(), Agent.Outcome.SUCCEEDED, "b");
    awaitStatus(dispatcher, a.id(), JobStatus.SUCCEEDED);
    awaitStatus(dispatcher, b.id(), JobStatus.SUCCEEDED);
    limited.probe().expectNoMessage(Duration.ofMillis(500));
    assertEquals(JobStatus.QUEUED, get(dispatcher, c.id()).status(),
        "two starts used the minute's budget, though the agent has room");

    clock.advance(Duration.ofSeconds(61));
    submit(dispatcher, spec("wakes the queue").withAgent("other"));
    assertEquals("c", limited.nextInvoke().invocation().prompt());
  }

  @Test
  void theDeadlineInterruptsTheRunningAttemptAndExpiresAQueuedJob() {
    ProbeAgent single = agent("single", Set.of(), 1, 0);
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(Clock.systemUTC(), single);

    Instant deadline = Instant.now().plusMillis(1500);
    Job running = submit(dispatcher, spec("runs past its deadline").withMaxAttempts(5)
        .withDeadline(deadline));
    Job queued = submit(dispatcher, spec("never gets a slot").withDeadline(deadline));
    Agent.Invoke invoke = single.nextInvoke();
    Agent.Interrupt interrupt = single.probe().expectMessageClass(Agent.Interrupt.class, TIMEOUT);
    assertEquals(invoke.invocation().id(), interrupt.invocationId());
    single.finish(invoke, Agent.Outcome.INTERRUPTED, "interrupted");

    Job dead = awaitStatus(dispatcher, running.id(), JobStatus.DEAD);
    assertEquals(1, dead.attempts(), "no retry after the deadline, though attempts are left");
    assertTrue(dead.lastError().contains("deadline"), dead.lastError());
    Job expired = awaitStatus(dispatcher, queued.id(), JobStatus.DEAD);
    assertEquals(0, expired.attempts(), "it never started");
    single.probe().expectNoMessage(Duration.ofMillis(300));
  }

  @Test
  void aDeadJobCanBeRetriedAndTheListingPagesBySubmissionOrder() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    ProbeAgent worker = agent("worker", Set.of(), 1, 0);
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(Clock.systemUTC(), meters, worker);

    Job failing = submit(dispatcher, spec("fails once").withMaxAttempts(1));
    worker.finish(worker.nextInvoke(), Agent.Outcome.FAILED, "boom");
    Job dead = awaitStatus(dispatcher, failing.id(), JobStatus.DEAD);
    assertEquals("boom", dead.lastError());
    assertEquals(JobRules.INVALID_TRANSITION,
        assertInstanceOf(JobReply.Rejected.class,
            ask(dispatcher, r -> new JobDispatcher.Cancel(failing.id(), r))).code(),
        "a dead job cannot be cancelled");

    List<String> ids = new ArrayList<>(List.of(failing.id()));
    for (int i = 0; i < 4; i++) {
      Job job = submit(dispatcher, spec("ok " + i));
      ids.add(job.id());
      worker.finish(worker.nextInvoke(), Agent.Outcome.SUCCEEDED, "ok " + i);
      awaitStatus(dispatcher, job.id(), JobStatus.SUCCEEDED);
    }
    JobDispatcher.JobPage deadPage = list(dispatcher, JobStatus.DEAD, 10, null);
    assertEquals(List.of(failing.id()), deadPage.jobs().stream().map(JobSummary::id).toList());
    JobDispatcher.JobPage first = list(dispatcher, null, 2, null);
    assertEquals(ids.subList(0, 2), first.jobs().stream().map(JobSummary::id).toList());
    JobDispatcher.JobPage second = list(dispatcher, null, 2, first.next());
    assertEquals(ids.subList(2, 4), second.jobs().stream().map(JobSummary::id).toList());
    JobDispatcher.JobPage last = list(dispatcher, null, 2, second.next());
    assertEquals(ids.subList(4, 5), last.jobs().stream().map(JobSummary::id).toList());
    assertNull(last.next());

    Job retried = assertInstanceOf(JobReply.Current.class,
        ask(dispatcher, r -> new JobDispatcher.Retry(failing.id(), r))).job();
    assertEquals(JobStatus.QUEUED, retried.status());
    Agent.Invoke again = worker.nextInvoke();
    assertEquals(failing.id() + "#1", again.invocation().id(), "a fresh set of attempts");
    worker.finish(again, Agent.Outcome.SUCCEEDED, "second life");
    assertEquals("second life",
        awaitStatus(dispatcher, failing.id(), JobStatus.SUCCEEDED).resultText());
    assertEquals(JobRules.INVALID_TRANSITION,
        assertInstanceOf(JobReply.Rejected.class,
            ask(dispatcher, r -> new JobDispatcher.Retry(failing.id(), r))).code());

    assertEquals(5L, stats(dispatcher).byStatus().get(JobStatus.SUCCEEDED));
    assertEquals(5.0, meters.get("workmate.jobs").tag("status", "succeeded").gauge().value());
    assertEquals(1.0, meters.get("workmate.job.attempts").tag("outcome", "failed").counter()
        .count());
    assertEquals(6, meters.get("workmate.attempt.duration").timer().count());
  }

  @Test
  void aWatcherOfAFinishedJobGetsItsLastStatusAndTheEnd() {
    ProbeAgent worker = agent("worker", Set.of(), 1, 0);
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(Clock.systemUTC(), worker);
    Job job = submit(dispatcher, spec("quick"));
    TestProbe<JobFeed> feed = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.Watch(job.id(), feed.getRef()));
    assertInstanceOf(JobFeed.Status.class, feed.receiveMessage(TIMEOUT));
    Agent.Invoke invoke = worker.nextInvoke();
    invoke.replyTo().tell(new Agent.Update.Item(invoke.invocation().id(), "item_completed",
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode()
            .put("type", "agentMessage")));
    worker.finish(invoke, Agent.Outcome.SUCCEEDED, "done");
    List<JobFeed> events = new ArrayList<>();
    JobFeed event;
    do {
      event = feed.receiveMessage(TIMEOUT);
      events.add(event);
    } while (!(event instanceof JobFeed.End));
    assertTrue(events.stream().anyMatch(JobFeed.Item.class::isInstance), events.toString());

    TestProbe<JobFeed> late = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.Watch(job.id(), late.getRef()));
    assertEquals(JobStatus.SUCCEEDED,
        assertInstanceOf(JobFeed.Status.class, late.receiveMessage(TIMEOUT)).job().status());
    assertInstanceOf(JobFeed.End.class, late.receiveMessage(TIMEOUT));
    dispatcher.tell(new JobDispatcher.Watch("job-unknown", late.getRef()));
    assertNull(assertInstanceOf(JobFeed.End.class, late.receiveMessage(TIMEOUT)).job());
  }

  // ---- helpers ----

  private static ActorRef<JobDispatcher.Command> dispatcher(Clock clock, ProbeAgent... agents) {
    return dispatcher(clock, new SimpleMeterRegistry(), agents);
  }

  private static ActorRef<JobDispatcher.Command> dispatcher(Clock clock,
      SimpleMeterRegistry meters, ProbeAgent... agents) {
    List<AgentHandle> handles = java.util.Arrays.stream(agents).map(ProbeAgent::handle).toList();
    // each test's dispatcher has a ledger of its own in the class's journal
    return testKit.spawn(JobDispatcher.create(new JobDispatcherSettings(SMALL_BACKOFF, clock,
        meters, handles).withLedger("routing-" + LEDGERS.incrementAndGet())));
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

  private static Job submit(ActorRef<JobDispatcher.Command> dispatcher, JobSpec spec) {
    return assertInstanceOf(JobReply.Current.class,
        ask(dispatcher, r -> new JobDispatcher.Submit(spec, r))).job();
  }

  private static JobReply.Rejected rejected(ActorRef<JobDispatcher.Command> dispatcher,
      JobSpec spec) {
    return assertInstanceOf(JobReply.Rejected.class,
        ask(dispatcher, r -> new JobDispatcher.Submit(spec, r)));
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

  private static JobDispatcher.JobPage list(ActorRef<JobDispatcher.Command> dispatcher,
      JobStatus status, int limit, String after) {
    TestProbe<JobDispatcher.JobPage> probe = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.ListJobs(status, limit, after, probe.getRef()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static Job awaitStatus(ActorRef<JobDispatcher.Command> dispatcher, String id,
      JobStatus status) {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(20))
        .until(() -> get(dispatcher, id), job -> {
          if (job.status() != status && job.status().isTerminal()) {
            fail("job " + id + " did not reach " + status + ": " + job);
          }
          return job.status() == status;
        });
  }

}
