package io.workmate.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.workmate.jobs.JobEntity.ApprovalAnswered;
import io.workmate.jobs.JobEntity.AwaitApproval;
import io.workmate.jobs.JobEntity.Cancel;
import io.workmate.jobs.JobEntity.Command;
import io.workmate.jobs.JobEntity.FailAttempt;
import io.workmate.jobs.JobEntity.Get;
import io.workmate.jobs.JobEntity.GetHistory;
import io.workmate.jobs.JobEntity.Reply;
import io.workmate.jobs.JobEntity.Requeue;
import io.workmate.jobs.JobEntity.Retry;
import io.workmate.jobs.JobEntity.Start;
import io.workmate.jobs.JobEntity.State;
import io.workmate.jobs.JobEntity.Submit;
import io.workmate.jobs.JobEntity.Succeed;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Set;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit.CommandResultWithReply;
import org.apache.pekko.serialization.SerializationExtension;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/**
 * The job state machine on the in-memory persistence testkit, which also round-trips every
 * command, event and state through the real (Jackson CBOR) serializers.
 */
class JobEntityTest {

  private static final ActorTestKit testKit = ActorTestKit.create("job-entity",
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  private static final Instant T0 = Instant.parse("2026-11-21T10:00:00Z");
  private static final Instant RETRY_AT = Instant.parse("2026-11-21T11:00:00Z");

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

    var result = job.kit.runCommand((ActorRef<Reply> replyTo) -> new Submit(spec, replyTo));

    JobEvent.Submitted submitted = assertInstanceOf(JobEvent.Submitted.class, result.event());
    assertEquals(new JobEvent.Submitted(job.id, spec, T0), submitted);
    Job queued = current(result);
    assertEquals(JobStatus.QUEUED, queued.status());
    assertEquals(0, queued.attempts());
    assertEquals("coder", queued.agent());
    assertEquals(spec, queued.spec());
    assertEquals(T0, queued.createdAt());
    assertEquals(List.of(submitted), result.state().history());
    assertEquals("job|" + job.id, JobEntity.persistenceId(job.id).id());
  }

  @Test
  void aSecondSubmitRepliesWithTheExistingJobUnchanged() {
    var job = newJob();
    Job first = job.submit(spec());

    var again = job.kit.runCommand((ActorRef<Reply> replyTo) ->
        new Submit(JobSpec.of("another prompt", T0).withPriority(9), replyTo));

    assertTrue(again.hasNoEvents(), "a repeated submit must not journal anything");
    assertEquals(new Reply.Current(first), again.reply());
    assertEquals("the prompt", current(again).spec().prompt());
  }

  @Test
  void aJobRunsThroughAnApprovalToSuccess() {
    var job = newJob();
    job.submit(spec());

    Job running = job.ok(replyTo -> new Start("agent-1", "thread-1", replyTo));
    assertEquals(JobStatus.RUNNING, running.status());
    assertEquals(1, running.attempts());
    assertEquals("agent-1", running.agent());
    assertEquals("thread-1", running.threadId());

    Job waiting = job.ok(replyTo -> new AwaitApproval("approval-7", replyTo));
    assertEquals(JobStatus.WAITING_APPROVAL, waiting.status());
    assertEquals("approval-7", waiting.approvalId());

    Job resumed = job.ok(ApprovalAnswered::new);
    assertEquals(JobStatus.RUNNING, resumed.status());
    assertNull(resumed.approvalId());

    Job succeeded = job.ok(replyTo -> new Succeed("all done", replyTo));
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
      assertEquals(attempt, job.ok(replyTo -> new Start("agent", null, replyTo)).attempts());
      Job failed = job.ok(replyTo -> new FailAttempt("HTTP 500", RETRY_AT, replyTo));
      assertEquals(JobStatus.FAILED, failed.status());
      assertEquals(RETRY_AT, failed.retryAt());
      assertEquals("HTTP 500", failed.lastError());
    }
    job.ok(replyTo -> new Start("agent", null, replyTo));
    var last = job.kit.runCommand((ActorRef<Reply> replyTo) ->
        new FailAttempt("HTTP 500 again", RETRY_AT, replyTo));

    assertInstanceOf(JobEvent.DeadLettered.class, last.event());
    Job dead = current(last);
    assertEquals(JobStatus.DEAD, dead.status());
    assertEquals(3, dead.attempts());
    assertEquals("HTTP 500 again", dead.lastError());
    assertNull(dead.retryAt());
  }

  @Test
  void aFailureWithoutRetryTimeIsDeadAtOnceEvenWithAttemptsLeft() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(5));
    job.ok(replyTo -> new Start("agent", null, replyTo));

    Job dead = job.ok(replyTo -> new FailAttempt("not retryable", null, replyTo));

    assertEquals(JobStatus.DEAD, dead.status());
    assertEquals(1, dead.attempts());
  }

  @Test
  void retryingADeadJobQueuesItWithFreshAttempts() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(1));
    job.ok(replyTo -> new Start("agent", null, replyTo));
    assertEquals(JobStatus.DEAD,
        job.ok(replyTo -> new FailAttempt("boom", RETRY_AT, replyTo)).status());

    Job retried = job.ok(Retry::new);

    assertEquals(JobStatus.QUEUED, retried.status());
    assertEquals(0, retried.attempts());
    Job running = job.ok(replyTo -> new Start("agent", null, replyTo));
    assertEquals(1, running.attempts());
    assertEquals(JobStatus.RUNNING, running.status());
  }

  @Test
  void requeueAfterACrashKeepsTheAttemptCounted() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(3));
    job.ok(replyTo -> new Start("agent", "thread-1", replyTo));

    Job requeued = job.ok(replyTo -> new Requeue("service restarted", replyTo));
    assertEquals(JobStatus.QUEUED, requeued.status());
    assertEquals(1, requeued.attempts());

    job.ok(replyTo -> new Start("agent", null, replyTo));
    job.ok(replyTo -> new AwaitApproval("approval-1", replyTo));
    Job requeuedWhileWaiting = job.ok(replyTo -> new Requeue("process lost", replyTo));
    assertEquals(JobStatus.QUEUED, requeuedWhileWaiting.status());
    assertEquals(2, requeuedWhileWaiting.attempts());
    assertNull(requeuedWhileWaiting.approvalId());

    assertEquals(3, job.ok(replyTo -> new Start("agent", null, replyTo)).attempts());
  }

  @Test
  void requeueOfTheLastAttemptDeadLettersTheJob() {
    var job = newJob();
    job.submit(spec().withMaxAttempts(1));
    job.ok(replyTo -> new Start("agent", null, replyTo));

    var result = job.kit.runCommand((ActorRef<Reply> replyTo) -> new Requeue("crash", replyTo));

    assertEquals(new JobEvent.DeadLettered(job.id, 1, "crash", T0.plusSeconds(2)), result.event());
    assertEquals(JobStatus.DEAD, current(result).status());
  }

  // ---- the whole transition table ----

  /** A command kind, the statuses it is allowed in and where it leads from them. */
  private record Transition(String name, Function<ActorRef<Reply>, Command> command,
      Set<JobStatus> allowedIn, String action) {}

  private static final List<Transition> TRANSITIONS = List.of(
      new Transition("start", replyTo -> new Start("agent", null, replyTo),
          EnumSet.of(JobStatus.QUEUED, JobStatus.FAILED), "be started"),
      new Transition("awaitApproval", replyTo -> new AwaitApproval("a-1", replyTo),
          EnumSet.of(JobStatus.RUNNING), "wait for an approval"),
      new Transition("approvalAnswered", ApprovalAnswered::new,
          EnumSet.of(JobStatus.WAITING_APPROVAL), "resume after an approval"),
      new Transition("succeed", replyTo -> new Succeed("text", replyTo),
          EnumSet.of(JobStatus.RUNNING), "succeed"),
      new Transition("failAttempt", replyTo -> new FailAttempt("err", RETRY_AT, replyTo),
          EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL), "fail an attempt"),
      new Transition("cancel", replyTo -> new Cancel("user", replyTo),
          EnumSet.of(JobStatus.QUEUED, JobStatus.RUNNING, JobStatus.WAITING_APPROVAL,
              JobStatus.FAILED), "be cancelled"),
      new Transition("requeue", replyTo -> new Requeue("crash", replyTo),
          EnumSet.of(JobStatus.RUNNING, JobStatus.WAITING_APPROVAL), "be requeued"),
      new Transition("retry", Retry::new, EnumSet.of(JobStatus.DEAD), "be retried"));

  @Test
  void everyCommandIsAcceptedExactlyInItsStatusesAndRejectedWithACodeElsewhere() {
    List<String> checked = new ArrayList<>();
    for (JobStatus from : JobStatus.values()) {
      for (Transition transition : TRANSITIONS) {
        var job = newJob();
        State before = job.bringTo(from);

        var result = job.kit.runCommand(transition.command());

        String label = transition.name() + " in " + from;
        if (transition.allowedIn().contains(from)) {
          assertEquals(1, result.events().size(), label);
          assertInstanceOf(Reply.Current.class, result.reply(), label);
          assertEquals(result.state().job(), current(result), label);
        } else {
          assertTrue(result.hasNoEvents(), label);
          assertEquals(new Reply.Rejected(JobEntity.INVALID_TRANSITION,
              "job " + job.id + " is " + from.wireName() + "; it cannot " + transition.action()),
              result.reply(), label);
          assertEquals(before, result.state(), label);
        }
        checked.add(label);
      }
    }
    assertEquals(JobStatus.values().length * TRANSITIONS.size(), checked.size());
  }

  @Test
  void cancellingASucceededJobIsRejectedWithAMessageThatSaysWhy() {
    var job = newJob();
    job.bringTo(JobStatus.SUCCEEDED);

    Reply reply = job.kit.<Reply>runCommand(replyTo -> new Cancel("user", replyTo)).reply();

    assertEquals(new Reply.Rejected("invalid_transition",
        "job " + job.id + " is succeeded; it cannot be cancelled"), reply);
  }

  @Test
  void anyCommandToANeverSubmittedJobIsNotFound() {
    var job = newJob();
    List<Function<ActorRef<Reply>, Command>> commands = List.of(Get::new, GetHistory::new,
        replyTo -> new Start("a", null, replyTo), replyTo -> new Cancel("r", replyTo), Retry::new);

    for (var command : commands) {
      var result = job.kit.runCommand(command);
      assertEquals(new Reply.NotFound(job.id), result.reply());
      assertTrue(result.hasNoEvents());
    }
  }

  // ---- history, snapshots ----

  @Test
  void historyKeepsTheLatestTransitionsAndSurvivesARestart() {
    var job = newJob();
    job.submit(spec());
    job.ok(replyTo -> new Start("agent", null, replyTo));
    // 2 + 2 * 110 = 222 events: past the history limit, and past two snapshots (every 100).
    for (int cycle = 0; cycle < 110; cycle++) {
      String approvalId = "approval-" + cycle;
      job.ok(replyTo -> new AwaitApproval(approvalId, replyTo));
      job.ok(ApprovalAnswered::new);
    }

    List<JobEvent> history = job.history();
    assertEquals(JobEntity.HISTORY_LIMIT, history.size());
    // The oldest 22 (events 0..21) fell off: event 22 is cycle 10's ApprovalAwaited.
    assertEquals(new JobEvent.ApprovalAwaited(job.id, "approval-10", T0.plusSeconds(22)),
        history.get(0));
    assertEquals(new JobEvent.ApprovalResumed(job.id, "approval-109", T0.plusSeconds(221)),
        history.get(history.size() - 1));

    State before = job.kit.getState();
    State restarted = job.kit.restart().state();
    assertEquals(before, restarted);
    assertEquals(history, job.history());
    // Snapshots every 100 events; their state must carry the history too (checked above).
    var snapshots = job.kit.snapshotTestKit().orElseThrow()
        .persistedInStorage(JobEntity.persistenceId(job.id).id());
    assertEquals(List.of(100L, 200L),
        snapshots.stream().map(snapshot -> snapshot.first().sequenceNr()).toList());
  }

  @Test
  void repliesSerializeWithTheirEventHistory() {
    var job = newJob();
    job.bringTo(JobStatus.SUCCEEDED);

    Reply history = job.kit.<Reply>runCommand(GetHistory::new).reply();
    Reply current = job.kit.<Reply>runCommand(Get::new).reply();

    assertEquals(3, ((Reply.History) history).events().size());
    // Replies cross nodes in a cluster; the history holds events of several types.
    testKit.serializationTestKit().verifySerialization(history, true);
    testKit.serializationTestKit().verifySerialization(current, true);
  }

  @Test
  void statusesAndEventTypesArePersistedByTheirWireNames() {
    var job = newJob();
    State waiting = job.bringTo(JobStatus.WAITING_APPROVAL);

    byte[] snapshot = SerializationExtension.get(testKit.system()).serialize(waiting).get();

    // The journal outlives the code: names, not Java enum or class names, must be stored.
    String cbor = new String(snapshot, StandardCharsets.ISO_8859_1);
    assertTrue(cbor.contains("waiting_approval"), "status by wire name");
    assertTrue(cbor.contains("approval_awaited"), "event type by name");
    assertFalse(cbor.contains("WAITING_APPROVAL"), "not by enum name");
    assertEquals(JobStatus.WAITING_APPROVAL, JobStatus.fromWireName("waiting_approval"));
  }

  // ---- helpers ----

  private JobSpec spec() {
    return JobSpec.of("the prompt", T0);
  }

  private TestJob newJob() {
    return new TestJob("job-test-" + (++jobs));
  }

  private static Job current(CommandResultWithReply<Command, JobEvent, State, Reply> result) {
    return assertInstanceOf(Reply.Current.class, result.reply()).job();
  }

  /** One entity under test with its own in-memory journal entries and a ticking clock. */
  private final class TestJob {
    final String id;
    final EventSourcedBehaviorTestKit<Command, JobEvent, State> kit;

    TestJob(String id) {
      this.id = id;
      this.kit = EventSourcedBehaviorTestKit.create(testKit.system(),
          JobEntity.create(id, new TickingClock(T0)));
    }

    Job submit(JobSpec spec) {
      return ok(replyTo -> new Submit(spec, replyTo));
    }

    /** Runs a command that must be accepted and returns the job it produced. */
    Job ok(Function<ActorRef<Reply>, Command> command) {
      var result = kit.runCommand(command);
      assertEquals(1, result.events().size(), "expected one event, got " + result.reply());
      return current(result);
    }

    List<JobEvent> history() {
      Reply reply = kit.<Reply>runCommand(GetHistory::new).reply();
      return assertInstanceOf(Reply.History.class, reply).events();
    }

    /** Takes a fresh job to {@code status} by the shortest valid path. */
    State bringTo(JobStatus status) {
      submit(spec());
      switch (status) {
        case QUEUED -> { }
        case RUNNING -> start();
        case WAITING_APPROVAL -> {
          start();
          ok(replyTo -> new AwaitApproval("a-0", replyTo));
        }
        case FAILED -> {
          start();
          ok(replyTo -> new FailAttempt("err", RETRY_AT, replyTo));
        }
        case SUCCEEDED -> {
          start();
          ok(replyTo -> new Succeed("done", replyTo));
        }
        case CANCELLED -> ok(replyTo -> new Cancel("user", replyTo));
        case DEAD -> {
          start();
          ok(replyTo -> new FailAttempt("fatal", null, replyTo));
        }
      }
      State state = kit.getState();
      assertEquals(status, state.job().status());
      return state;
    }

    private void start() {
      ok(replyTo -> new Start("agent", null, replyTo));
    }
  }
}
