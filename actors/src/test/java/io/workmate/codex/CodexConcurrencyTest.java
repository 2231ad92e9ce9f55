package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.Test;

/** Many threads on one app-server process, turns in parallel, events kept apart. */
class CodexConcurrencyTest extends RealCodexTest {

  private static final int THREADS = 16;

  @Test
  void sixteenThreadsOnOneProcessEachGetOnlyTheirOwnEvents() {
    ActorRef<CodexPool.Command> pool =
        testKit.spawn(CodexPool.create(1, fixture.appServerSettings()));
    List<ThreadProbe> probes = new ArrayList<>();
    List<ActorRef<CodexThread.Command>> threads = new ArrayList<>();
    for (int i = 0; i < THREADS; i++) {
      ThreadProbe events = new ThreadProbe(testKit);
      TestProbe<CodexPool.ThreadOpened> opened = testKit.createTestProbe();
      pool.tell(new CodexPool.OpenThread(fixture.threadSettings("t" + i), Optional.empty(),
          List.of(events.ref()), opened.getRef()));
      CodexPool.ThreadOpened thread = opened.receiveMessage();
      assertEquals("app-server-0", thread.processName());
      threads.add(thread.thread());
      probes.add(events);
    }
    List<TestProbe<TurnResult>> results = new ArrayList<>();
    for (int round = 0; round < 2; round++) {
      for (int i = 0; i < THREADS; i++) {
        TestProbe<TurnResult> result = testKit.createTestProbe();
        threads.get(i).tell(new CodexThread.RunTurn(
            "[[delay:20]][[chunks:6]][[reply:answer for thread " + i + " round " + round + "]]",
            result.getRef()));
        results.add(result);
      }
    }

    for (int k = 0; k < results.size(); k++) {
      int i = k % THREADS;
      int round = k / THREADS;
      TurnResult result = results.get(k).receiveMessage(TIMEOUT);
      assertEquals(TurnResult.Outcome.COMPLETED, result.outcome(),
          () -> result.error().orElse(""));
      assertEquals("answer for thread " + i + " round " + round, result.finalText());
    }
    Set<String> threadIds = new HashSet<>();
    for (int i = 0; i < THREADS; i++) {
      ThreadProbe events = probes.get(i);
      events.await(ThreadEvent.TurnFinished.class,
          finished -> finished.result().finalText().endsWith("round 1"), TIMEOUT);
      String threadId = events.seen(ThreadEvent.Ready.class).get(0).threadId();
      threadIds.add(threadId);
      Set<String> seenIds = events.seen().stream().map(ThreadEvent::threadId)
          .collect(Collectors.toSet());
      assertEquals(Set.of(threadId), seenIds, "thread " + i + " saw another thread's events");
      String streamed = events.seen(ThreadEvent.AgentMessageDelta.class).stream()
          .map(ThreadEvent.AgentMessageDelta::delta).collect(Collectors.joining());
      assertEquals("answer for thread " + i + " round 0" + "answer for thread " + i + " round 1",
          streamed, "thread " + i + " got exactly its own deltas, in order");
    }
    assertEquals(THREADS, threadIds.size());

    TestProbe<CodexPool.PoolStatus> status = testKit.createTestProbe();
    pool.tell(new CodexPool.GetStatus(status.getRef()));
    CodexPool.PoolStatus poolStatus = status.receiveMessage();
    assertEquals(THREADS, poolStatus.liveThreads());
    testKit.stop(pool, Duration.ofSeconds(30));
  }

  @Test
  void poolSpreadsThreadsOverItsProcesses() {
    ActorRef<CodexPool.Command> pool =
        testKit.spawn(CodexPool.create(3, fixture.appServerSettings()));
    Set<String> processes = new HashSet<>();
    List<ActorRef<CodexThread.Command>> threads = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      TestProbe<CodexPool.ThreadOpened> opened = testKit.createTestProbe();
      pool.tell(new CodexPool.OpenThread(fixture.threadSettings("spread" + i), Optional.empty(),
          List.of(), opened.getRef()));
      CodexPool.ThreadOpened thread = opened.receiveMessage();
      processes.add(thread.processName());
      threads.add(thread.thread());
    }
    assertEquals(Set.of("app-server-0", "app-server-1", "app-server-2"), processes);
    for (ActorRef<CodexThread.Command> thread : threads) {
      TestProbe<TurnResult> result = testKit.createTestProbe();
      thread.tell(new CodexThread.RunTurn("[[reply:spread]]", result.getRef()));
      assertTrue(result.receiveMessage(TIMEOUT).completed());
    }
    testKit.stop(pool, Duration.ofSeconds(30));
  }
}
