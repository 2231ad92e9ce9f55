package io.workmate.jobs.dispatch;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
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
import io.workmate.jobs.JobLedgerShard;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.support.Backoff;
import io.workmate.testkit.H2TestJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Restart recovery on the real embedded journal (an H2 file) and the real codex binary: a first
 * ActorSystem is terminated while one job runs and others are queued; a second one on the same
 * journal finishes every job exactly once.
 */
class JobDispatcherRecoveryTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(90);
  private static final Backoff SMALL_BACKOFF =
      new Backoff(Duration.ofMillis(100), Duration.ofMillis(400), 2.0, 0.0);
  /** About 20 s of streaming: still running when the first system goes down. */
  private static final String SLOW =
      "[[delay:500]][[chunks:40]][[reply:slow job done]] recovery-slow";

  @TempDir Path dir;

  @Test
  void aRestartRequeuesTheRunningJobAndKeepsTheQueueInOrder() throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    try (CodexFixture fixture = CodexFixture.start(dir.resolve("codex-root"))) {
      Job slow;
      Job low;
      Job high;
      Job lowToo;

      ActorTestKit first = start("recovery-first", h2);
      try {
        ActorRef<JobDispatcher.Command> dispatcher = dispatcher(first, fixture);
        slow = submit(first, dispatcher, JobSpec.of(SLOW, Instant.now()));
        awaitStatus(first, dispatcher, slow.id(), JobStatus.RUNNING);
        awaitModelSaw(fixture, SLOW);
        low = submit(first, dispatcher, spec("[[reply:low]] recovery-low", 1));
        high = submit(first, dispatcher, spec("[[reply:high]] recovery-high", 5));
        lowToo = submit(first, dispatcher, spec("[[reply:low too]] recovery-low-too", 1));
        assertEquals(List.of(high.id(), low.id(), lowToo.id()), queue(first, dispatcher).queued());
        assertEquals(Set.of(slow.id()), queue(first, dispatcher).running());
      } finally {
        // abruptly: nothing is cancelled, the running turn is cut off
        first.system().terminate();
        first.system().getWhenTerminated().toCompletableFuture().get(60, TimeUnit.SECONDS);
      }

      ActorTestKit second = start("recovery-second", h2);
      try {
        ActorRef<JobDispatcher.Command> dispatcher = dispatcher(second, fixture);
        // asked at once, so answered when recovery is done and the first job has started
        TestProbe<JobQueueState> queueProbe = second.createTestProbe();
        dispatcher.tell(new JobDispatcher.GetQueue(queueProbe.getRef()));
        Job late = submit(second, dispatcher, spec("[[reply:late]] recovery-late", 0));
        assertEquals(JobStatus.QUEUED, late.status());

        JobQueueState recovered = queueProbe.receiveMessage(TIMEOUT);
        assertEquals(Set.of(high.id()), recovered.running(), recovered.toString());
        assertEquals(List.of(low.id(), lowToo.id(), slow.id()), recovered.queued(),
            "queued in priority, then submission order; the cut-short job requeued");

        Job lateDone = awaitStatus(second, dispatcher, late.id(), JobStatus.SUCCEEDED);
        assertEquals("late", lateDone.resultText());

        Job slowDone = get(second, dispatcher, slow.id());
        assertEquals(JobStatus.SUCCEEDED, slowDone.status());
        assertEquals("slow job done", slowDone.resultText());
        assertEquals(2, slowDone.attempts(), "the cut-short attempt counted, then the re-run");
        for (Job queued : List.of(high, low, lowToo)) {
          Job done = get(second, dispatcher, queued.id());
          assertEquals(JobStatus.SUCCEEDED, done.status(), done.toString());
          assertEquals(1, done.attempts(), done.toString());
        }
        assertEquals("high", get(second, dispatcher, high.id()).resultText());

        List<JobEvent> slowHistory = history(second, dispatcher, slow.id());
        JobEvent.Requeued requeued = slowHistory.stream()
            .filter(JobEvent.Requeued.class::isInstance).map(JobEvent.Requeued.class::cast)
            .findFirst().orElseThrow(() -> new AssertionError("not requeued: " + slowHistory));
        assertEquals(1, requeued.attempts());
        assertEquals("the service restarted during attempt 1", requeued.reason());

        // the order they ran in after the restart: one at a time, priority then FIFO
        List<Instant> starts = List.of(
            started(second, dispatcher, high.id(), 1),
            started(second, dispatcher, low.id(), 1),
            started(second, dispatcher, lowToo.id(), 1),
            started(second, dispatcher, slow.id(), 2),
            started(second, dispatcher, late.id(), 1));
        for (int i = 1; i < starts.size(); i++) {
          assertTrue(starts.get(i - 1).isBefore(starts.get(i)), "start order " + starts);
        }

        // none completed twice, none lost
        Map<String, List<JobEvent>> journal = currentJobEvents(second);
        assertEquals(Set.of(slow.id(), low.id(), high.id(), lowToo.id(), late.id()),
            journal.keySet());
        journal.forEach((id, events) -> assertEquals(1,
            events.stream().filter(JobEvent.Succeeded.class::isInstance).count(),
            "succeeded events of " + id + ": " + events));
        assertEquals(2, journal.get(slow.id()).stream()
            .filter(JobEvent.AttemptStarted.class::isInstance).count());
      } finally {
        second.shutdownTestKit();
      }
    }
  }

  // ---- helpers ----

  private static ActorTestKit start(String name, Path h2) {
    return H2TestJournal.start(name, h2);
  }

  private static ActorRef<JobDispatcher.Command> dispatcher(ActorTestKit testKit,
      CodexFixture fixture) {
    ActorRef<CodexPool.Command> pool =
        testKit.spawn(CodexPool.create(1, fixture.appServerSettings()), "pool");
    ActorRef<Agent.Command> codex =
        testKit.spawn(CodexAgent.create(pool, fixture.threadSettings("recovery")), "codex");
    AgentHandle agent = new AgentHandle(
        new AgentProfile("codex", AgentKind.CODEX, Set.of("code"), 1, 0), codex);
    return testKit.spawn(JobDispatcher.create(JobDispatcherSettings.of(SMALL_BACKOFF,
        List.of(agent))), "dispatcher");
  }

  private static JobSpec spec(String prompt, int priority) {
    return JobSpec.of(prompt, Instant.now()).withPriority(priority);
  }

  private static Job submit(ActorTestKit testKit, ActorRef<JobDispatcher.Command> dispatcher,
      JobSpec spec) {
    return reply(testKit, dispatcher, r -> new JobDispatcher.Submit(spec, r));
  }

  private static Job get(ActorTestKit testKit, ActorRef<JobDispatcher.Command> dispatcher,
      String jobId) {
    return reply(testKit, dispatcher, r -> new JobDispatcher.Get(jobId, r));
  }

  private static Job reply(ActorTestKit testKit, ActorRef<JobDispatcher.Command> dispatcher,
      Function<ActorRef<JobReply>, JobDispatcher.Command> command) {
    TestProbe<JobReply> probe = testKit.createTestProbe();
    dispatcher.tell(command.apply(probe.getRef()));
    return assertInstanceOf(JobReply.Current.class, probe.receiveMessage(TIMEOUT)).job();
  }

  private static List<JobEvent> history(ActorTestKit testKit,
      ActorRef<JobDispatcher.Command> dispatcher, String id) {
    TestProbe<JobReply> probe = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.GetHistory(id, probe.getRef()));
    return assertInstanceOf(JobReply.History.class, probe.receiveMessage(TIMEOUT))
        .events();
  }

  private static JobQueueState queue(ActorTestKit testKit,
      ActorRef<JobDispatcher.Command> dispatcher) {
    TestProbe<JobQueueState> probe = testKit.createTestProbe();
    dispatcher.tell(new JobDispatcher.GetQueue(probe.getRef()));
    return probe.receiveMessage(TIMEOUT);
  }

  private static Instant started(ActorTestKit testKit, ActorRef<JobDispatcher.Command> dispatcher,
      String id, int attempt) {
    return history(testKit, dispatcher, id).stream()
        .filter(JobEvent.AttemptStarted.class::isInstance).map(JobEvent.AttemptStarted.class::cast)
        .filter(started -> started.attempt() == attempt)
        .findFirst().orElseThrow(() -> new AssertionError("no attempt " + attempt + " of " + id))
        .at();
  }

  private static Job awaitStatus(ActorTestKit testKit, ActorRef<JobDispatcher.Command> dispatcher,
      String id, JobStatus status) {
    return await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> get(testKit, dispatcher, id), job -> {
          if (job.status() != status && job.status().isTerminal()) {
            fail("job " + id + " did not reach " + status + ": " + job);
          }
          return job.status() == status;
        });
  }

  private static Map<String, List<JobEvent>> currentJobEvents(ActorTestKit testKit)
      throws Exception {
    List<EventEnvelope> envelopes = PersistenceQuery.get(testKit.system())
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier())
        .currentEventsByPersistenceId(JobLedgerShard.persistenceId(
            JobDispatcherSettings.DEFAULT_LEDGER, 0).id(), 0, Long.MAX_VALUE)
        .runWith(Sink.seq(), testKit.system())
        .toCompletableFuture().get(20, TimeUnit.SECONDS);
    return envelopes.stream()
        .flatMap(envelope -> ((JobLedgerShard.Recorded) envelope.event()).events().stream())
        .collect(Collectors.groupingBy(JobEvent::jobId, Collectors.toList()));
  }

  private static void awaitModelSaw(CodexFixture fixture, String prompt) {
    await("the model sees " + prompt).atMost(TIMEOUT).pollInterval(Duration.ofMillis(50))
        .until(() -> fixture.provider().requests().stream()
            .anyMatch(request -> request.userTexts().stream().anyMatch(t -> t.contains(prompt))));
  }
}
