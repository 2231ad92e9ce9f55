package io.workmate.jobs.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import io.workmate.agents.Agent;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.CodexAgent;
import io.workmate.codex.CodexFixture;
import io.workmate.codex.CodexPool;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobEvent;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.support.Backoff;
import io.workmate.testkit.H2TestJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dispatcher against the real codex binary and the scripted model, journaling on the real
 * H2 file journal.
 */
class JobDispatcherTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final Backoff SMALL_BACKOFF =
      new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 2.0, 0.0);
  /** About 2 s of streaming: long enough to hold the only slot while others queue. */
  private static final String SLOW = "[[delay:200]][[chunks:10]][[reply:slow job done]]";

  private static final java.util.concurrent.atomic.AtomicInteger LEDGERS =
      new java.util.concurrent.atomic.AtomicInteger();
  private static ActorTestKit testKit;
  private static CodexFixture fixture;
  private static ActorRef<CodexPool.Command> pool;

  @TempDir static Path root;

  @BeforeAll
  static void start() {
    testKit = H2TestJournal.start("job-dispatcher", root.resolve("journal/workmate"));
    fixture = CodexFixture.start(root);
    pool = testKit.spawn(CodexPool.create(2, fixture.appServerSettings()), "pool");
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
    fixture.close();
  }

  @Test
  void aJobSucceedsWithTheScriptedTextAndTheSameKeyReturnsTheSameJob() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(2);
    JobSpec spec = spec("[[reply:hello from the queue]]").withIdempotencyKey("key-success");

    Job submitted = submit(dispatcher, spec);
    assertEquals(JobStatus.QUEUED, submitted.status());

    Job done = awaitStatus(dispatcher, submitted.id(), JobStatus.SUCCEEDED);
    assertEquals("hello from the queue", done.resultText());
    assertEquals(1, done.attempts());
    assertEquals("codex", done.agent());

    Job again = submit(dispatcher, spec);
    assertEquals(submitted.id(), again.id());
    assertEquals(JobStatus.SUCCEEDED, again.status(), "a repeated key neither requeues nor reruns");
    assertEquals(1, again.attempts());
  }

  @Test
  void higherPriorityStartsFirstAndOnlyOneRunsAtATime() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(1);
    Job slow = submit(dispatcher, spec(SLOW));
    awaitStatus(dispatcher, slow.id(), JobStatus.RUNNING);

    Job low = submit(dispatcher, spec("[[reply:low priority]]").withPriority(1));
    Job high = submit(dispatcher, spec("[[reply:high priority]]").withPriority(5));
    Job lowToo = submit(dispatcher, spec("[[reply:low priority, later]]").withPriority(1));

    assertEquals(List.of(high.id(), low.id(), lowToo.id()), queue(dispatcher).queued());

    awaitStatus(dispatcher, lowToo.id(), JobStatus.SUCCEEDED);
    Job slowDone = get(dispatcher, slow.id());
    Job highDone = get(dispatcher, high.id());
    Job lowDone = get(dispatcher, low.id());
    assertEquals(JobStatus.SUCCEEDED, slowDone.status());
    assertEquals("high priority", highDone.resultText());
    assertEquals("low priority", lowDone.resultText());

    Instant highStarted = started(dispatcher, high.id(), 1);
    Instant lowStarted = started(dispatcher, low.id(), 1);
    Instant lowTooStarted = started(dispatcher, lowToo.id(), 1);
    assertTrue(highStarted.isBefore(lowStarted), highStarted + " vs " + lowStarted);
    assertTrue(lowStarted.isBefore(lowTooStarted), "FIFO within a priority");
    // maxConcurrent 1: each starts only after the previous one finished
    assertFalse(highStarted.isBefore(slowDone.updatedAt()));
    assertFalse(lowStarted.isBefore(highDone.updatedAt()));
    assertFalse(lowTooStarted.isBefore(lowDone.updatedAt()));
  }

  @Test
  void aFailingProviderRetriesWithGrowingDelaysThenDeadLetters() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(2);
    Job job = submit(dispatcher, spec("[[http:500]] failing job").withMaxAttempts(3));

    Job dead = awaitStatus(dispatcher, job.id(), JobStatus.DEAD);
    assertEquals(3, dead.attempts());
    assertNull(dead.resultText());
    assertFalse(dead.lastError() == null || dead.lastError().isBlank());

    List<JobEvent> history = history(dispatcher, job.id());
    List<JobEvent.AttemptFailed> failures = history.stream()
        .filter(JobEvent.AttemptFailed.class::isInstance).map(JobEvent.AttemptFailed.class::cast)
        .toList();
    assertEquals(2, failures.size(), history.toString());
    assertEquals(3, history.stream().filter(JobEvent.AttemptStarted.class::isInstance).count());
    assertInstanceOf(JobEvent.DeadLettered.class, history.get(history.size() - 1));

    // backoff without jitter: retryAt is 100 ms, then 200 ms, after the dispatcher saw the
    // failure; the event is stamped a little later, so the measured gap is at most that
    Duration first = Duration.between(failures.get(0).at(), failures.get(0).retryAt());
    Duration second = Duration.between(failures.get(1).at(), failures.get(1).retryAt());
    assertTrue(first.toMillis() > 0 && first.toMillis() <= 100, "first delay " + first);
    assertTrue(second.toMillis() > 100 && second.toMillis() <= 200, "second delay " + second);
    // and each retry waited for its retryAt (scheduler tick tolerance)
    for (int attempt = 2; attempt <= 3; attempt++) {
      Instant retryAt = failures.get(attempt - 2).retryAt();
      Instant started = started(dispatcher, job.id(), attempt);
      assertFalse(started.isBefore(retryAt.minusMillis(15)),
          "attempt " + attempt + " started " + started + " before " + retryAt);
    }
  }

  @Test
  void aTimedOutAttemptIsInterruptedAndFails() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(2);
    Job job = submit(dispatcher, spec("[[delay:500]][[chunks:40]][[reply:too slow to finish]]")
        .withTimeoutSeconds(2).withMaxAttempts(1));

    Job dead = awaitStatus(dispatcher, job.id(), JobStatus.DEAD);
    assertEquals(1, dead.attempts());
    assertTrue(dead.lastError().contains("timed out"), dead.lastError());
    Duration ran = Duration.between(started(dispatcher, job.id(), 1), dead.updatedAt());
    assertTrue(ran.toSeconds() < 15, "interrupted well before the turn's ~20 s: " + ran);
  }

  @Test
  void cancellingAQueuedJobMeansItNeverStarts() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(1);
    Job slow = submit(dispatcher, spec(SLOW));
    awaitStatus(dispatcher, slow.id(), JobStatus.RUNNING);
    String prompt = "[[reply:must never run]] queued-cancel";
    Job queued = submit(dispatcher, spec(prompt));

    Job cancelled = reply(dispatcher, r -> new JobDispatcher.Cancel(queued.id(), r));
    assertEquals(JobStatus.CANCELLED, cancelled.status());
    assertTrue(queue(dispatcher).queued().isEmpty());

    awaitStatus(dispatcher, slow.id(), JobStatus.SUCCEEDED);
    Job after = get(dispatcher, queued.id());
    assertEquals(JobStatus.CANCELLED, after.status());
    assertEquals(0, after.attempts());
    assertTrue(history(dispatcher, queued.id()).stream()
        .noneMatch(JobEvent.AttemptStarted.class::isInstance));
    assertFalse(modelSaw(prompt), "the cancelled job's prompt never reached the model");
  }

  @Test
  void cancellingARunningJobInterruptsItsTurn() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(1);
    String prompt = "[[delay:500]][[chunks:40]][[reply:a slow turn to interrupt]] running-cancel";
    Job job = submit(dispatcher, spec(prompt));
    awaitStatus(dispatcher, job.id(), JobStatus.RUNNING);
    awaitModelSaw(prompt);

    long before = System.nanoTime();
    Job cancelled = reply(dispatcher, r -> new JobDispatcher.Cancel(job.id(), r));
    Duration took = Duration.ofNanos(System.nanoTime() - before);

    assertEquals(JobStatus.CANCELLED, cancelled.status());
    assertEquals(1, cancelled.attempts());
    assertNull(cancelled.resultText());
    assertTrue(took.toSeconds() < 10, "the turn (~20 s) was interrupted, took " + took);
    assertTrue(queue(dispatcher).running().isEmpty());

    // the slot is free again
    Job next = submit(dispatcher, spec("[[reply:after the cancel]]"));
    assertEquals("after the cancel", awaitStatus(dispatcher, next.id(), JobStatus.SUCCEEDED)
        .resultText());
    assertEquals(JobStatus.CANCELLED, get(dispatcher, job.id()).status());
  }

  @Test
  void unknownJobsAreNotFound() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(1);
    TestProbe<JobReply> probe = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.Get("job-nope", probe.getRef()));
    assertInstanceOf(JobReply.NotFound.class, probe.receiveMessage(TIMEOUT));
    dispatcher.tell(new JobDispatcher.Cancel("not/a valid id", probe.getRef()));
    assertInstanceOf(JobReply.NotFound.class, probe.receiveMessage(TIMEOUT));
  }

  @Test
  void aWatcherSeesTheStatusChangesAndTheCodexItemsOfAJob() {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(2);
    Job job = submit(dispatcher, spec("[[chunks:4]][[reply:streamed into the feed]]"));
    TestProbe<JobFeed> feed = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.Watch(job.id(), feed.getRef()));

    List<JobFeed> seen = new java.util.ArrayList<>();
    JobFeed event;
    do {
      event = feed.receiveMessage(TIMEOUT);
      seen.add(event);
    } while (!(event instanceof JobFeed.End));

    List<JobStatus> statuses = seen.stream().filter(JobFeed.Status.class::isInstance)
        .map(e -> ((JobFeed.Status) e).job().status()).distinct().toList();
    assertEquals(JobStatus.SUCCEEDED, statuses.get(statuses.size() - 1), seen.toString());
    assertTrue(statuses.contains(JobStatus.RUNNING), seen.toString());
    String deltas = seen.stream().filter(JobFeed.Item.class::isInstance).map(JobFeed.Item.class::cast)
        .filter(item -> item.type().equals("agent_message_delta"))
        .map(item -> item.data().path("delta").asText()).collect(Collectors.joining());
    assertEquals("streamed into the feed", deltas, "the agent's text, delta by delta");
    assertTrue(seen.stream().anyMatch(e -> e instanceof JobFeed.Item item
        && item.type().equals("item_completed")
        && item.data().path("type").asText().equals("agentMessage")), seen.toString());
    JobFeed.End end = (JobFeed.End) event;
    assertEquals("streamed into the feed", end.job().resultText());
    assertTrue(get(dispatcher, job.id()).threadId() != null, "the job knows its codex thread");
  }

  @Test
  void aJobNeedingApprovalWaitsUntilTheReviewerAnswers() throws Exception {
    ActorRef<JobDispatcher.Command> dispatcher = dispatcher(2);
    Path cwd = fixture.threadSettings("approval-job").cwd();
    Job job = submit(dispatcher, spec("[[exec:touch approved-by-reviewer.txt]]")
        .withApprovalPolicy("untrusted").withCwd(cwd.toString()));

    Job waiting = awaitStatus(dispatcher, job.id(), JobStatus.WAITING_APPROVAL);
    TestProbe<JobDispatcher.Approvals> approvals = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.ListApprovals(approvals.getRef()));
    List<JobDispatcher.JobApproval> pending = approvals.receiveMessage(TIMEOUT).approvals();
    assertEquals(1, pending.size(), pending.toString());
    JobDispatcher.JobApproval approval = pending.get(0);
    assertEquals(job.id(), approval.jobId());
    assertEquals(waiting.approvalId(), approval.approval().id());
    assertTrue(approval.approval().summary().contains("approved-by-reviewer.txt"),
        approval.approval().summary());
    await().during(Duration.ofMillis(500)).atMost(TIMEOUT).untilAsserted(() -> {
      assertEquals(JobStatus.WAITING_APPROVAL, get(dispatcher, job.id()).status(),
          "nothing moves until the reviewer answers");
      assertFalse(java.nio.file.Files.exists(cwd.resolve("approved-by-reviewer.txt")));
    });

    TestProbe<ApprovalAnswer> answer = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.DecideApproval("no-such-approval",
        io.workmate.protocol.codex.ApprovalDecision.ACCEPT, answer.getRef()));
    assertInstanceOf(ApprovalAnswer.NotFound.class, answer.receiveMessage(TIMEOUT));
    dispatcher.tell(new JobDispatcher.DecideApproval(approval.approval().id(),
        io.workmate.protocol.codex.ApprovalDecision.ACCEPT, answer.getRef()));
    assertInstanceOf(ApprovalAnswer.Done.class, answer.receiveMessage(TIMEOUT));

    awaitStatus(dispatcher, job.id(), JobStatus.SUCCEEDED);
    assertTrue(java.nio.file.Files.exists(cwd.resolve("approved-by-reviewer.txt")),
        "the approved command ran");
    List<Class<?>> kinds = history(dispatcher, job.id()).stream()
        .map(Object::getClass).collect(Collectors.toList());
    assertTrue(kinds.contains(JobEvent.ApprovalAwaited.class), kinds.toString());
    assertTrue(kinds.contains(JobEvent.ApprovalResumed.class), kinds.toString());
    dispatcher.tell(new JobDispatcher.ListApprovals(approvals.getRef()));
    assertTrue(approvals.receiveMessage(TIMEOUT).approvals().isEmpty());
  }

  // ---- helpers ----

  private static ActorRef<JobDispatcher.Command> dispatcher(int maxConcurrent) {
    ActorRef<Agent.Command> codex =
        testKit.spawn(CodexAgent.create(pool, fixture.threadSettings("dispatch")));
    AgentHandle agent = new AgentHandle(
        new AgentProfile("codex", AgentKind.CODEX, Set.of("code"), maxConcurrent, 0), codex);
    // each test's dispatcher has a ledger of its own in the class's journal
    return testKit.spawn(JobDispatcher.create(JobDispatcherSettings.of(SMALL_BACKOFF,
        List.of(agent))
        .withLedger("dispatch-" + LEDGERS.incrementAndGet())));
  }

  private static JobSpec spec(String prompt) {
    return JobSpec.of(prompt, Instant.now());
  }

  private static Job submit(ActorRef<JobDispatcher.Command> dispatcher, JobSpec spec) {
    return reply(dispatcher, r -> new JobDispatcher.Submit(spec, r));
  }

  private static Job get(ActorRef<JobDispatcher.Command> dispatcher, String jobId) {
    return reply(dispatcher, r -> new JobDispatcher.Get(jobId, r));
  }

  private static Job reply(ActorRef<JobDispatcher.Command> dispatcher,
      Function<ActorRef<JobReply>, JobDispatcher.Command> command) {
    TestProbe<JobReply> probe = testKit.createTestProbe();
    dispatcher.tell(command.apply(probe.getRef()));
    return assertInstanceOf(JobReply.Current.class, probe.receiveMessage(TIMEOUT)).job();
  }

  private static List<JobEvent> history(ActorRef<JobDispatcher.Command> dispatcher, String id) {
    TestProbe<JobReply> probe = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.GetHistory(id, probe.getRef()));
    return assertInstanceOf(JobReply.History.class, probe.receiveMessage(TIMEOUT))
        .events();
  }

  private static JobQueueState queue(ActorRef<JobDispatcher.Command> dispatcher) {
    TestProbe<JobQueueState> probe = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.GetQueue(probe.getRef()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static Instant started(ActorRef<JobDispatcher.Command> dispatcher, String id,
      int attempt) {
    return history(dispatcher, id).stream()
        .filter(JobEvent.AttemptStarted.class::isInstance).map(JobEvent.AttemptStarted.class::cast)
        .filter(started -> started.attempt() == attempt)
        .findFirst().orElseThrow(() -> new AssertionError("no attempt " + attempt + " of " + id))
        .at();
  }

  private static Job awaitStatus(ActorRef<JobDispatcher.Command> dispatcher, String id,
      JobStatus status) {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> get(dispatcher, id), job -> {
          if (job.status() != status && job.status().isTerminal()) {
            fail("job " + id + " did not reach " + status + ": " + job);
          }
          return job.status() == status;
        });
  }

  private static boolean modelSaw(String prompt) {
    return fixture.provider().requests().stream()
        .anyMatch(request -> request.userTexts().stream().anyMatch(text -> text.contains(prompt)));
  }

  private static void awaitModelSaw(String prompt) {
    await("the model sees " + prompt).atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> modelSaw(prompt));
  }
}
