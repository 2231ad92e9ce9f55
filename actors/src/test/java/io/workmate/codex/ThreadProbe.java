package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/** A subscriber that records a thread's events and can wait for one. */
final class ThreadProbe {

  private final TestProbe<ThreadEvent> probe;
  private final List<ThreadEvent> seen = new ArrayList<>();

  ThreadProbe(ActorTestKit testKit) {
    this.probe = testKit.createTestProbe(ThreadEvent.class);
  }

  ActorRef<ThreadEvent> ref() {
    return probe.getRef();
  }

  /** Receives events until one matches, returning it; every event is kept in {@link #seen}. */
  <T extends ThreadEvent> T await(Class<T> type, Predicate<T> condition, Duration timeout) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return fail("no " + type.getSimpleName() + " within " + timeout + "; saw " + summary());
      }
      ThreadEvent event;
      try {
        event = probe.receiveMessage(Duration.ofNanos(left));
      } catch (AssertionError timedOut) {
        return fail("no " + type.getSimpleName() + " within " + timeout + "; saw " + summary());
      }
      seen.add(event);
      if (type.isInstance(event) && condition.test(type.cast(event))) {
        return type.cast(event);
      }
    }
  }

  <T extends ThreadEvent> T await(Class<T> type, Duration timeout) {
    return await(type, event -> true, timeout);
  }

  List<ThreadEvent> seen() {
    return seen;
  }

  <T extends ThreadEvent> List<T> seen(Class<T> type) {
    return seen.stream().filter(type::isInstance).map(type::cast).toList();
  }

  private String summary() {
    List<String> names = new ArrayList<>();
    for (ThreadEvent event : seen) {
      names.add(event.getClass().getSimpleName());
    }
    return names.toString();
  }
}
