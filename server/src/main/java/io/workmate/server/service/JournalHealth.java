package io.workmate.server.service;

import io.workmate.persistence.JournalProbe;
import io.workmate.persistence.JournalWriteFailures;
import io.workmate.support.BlockingThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Whether the journal answers and stores, for {@code /v1/health} and {@code /v1/ready}: checked
 * on a thread of its own every {@link #INTERVAL} (the check is blocking JDBC:
 * one committed write on a connection kept for it, {@link JournalProbe}), so a health request
 * only reads the last result and never waits on the database. The write is what shows a journal
 * that still reads but cannot store (a full disk); a commit every 2 s costs nothing next to the
 * job ledger's hundreds. A write of the entities that failed since the last check
 * ({@link JournalWriteFailures}) makes it unavailable too, for one check.
 */
public final class JournalHealth implements AutoCloseable {

  public static final Duration INTERVAL = Duration.ofSeconds(2);
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);
  private static final Duration CLOSE_WAIT = Duration.ofSeconds(1);

  /** @param detail why it is not ok, or empty */
  public record State(String kind, boolean ok, String detail, Instant checkedAt) {}

  private final Clock clock;
  private final String kind;
  private final AtomicReference<State> state;
  private final ExecutorService checker;
  private final JournalProbe probe;
  private final Cancellable schedule;
  /** When the last check started; only the checker thread reads and writes it. */
  private Instant lastCheck;

  private JournalHealth(ActorSystem<?> system, String kind, Clock clock) {
    this.clock = clock;
    this.lastCheck = clock.instant();
    this.kind = kind;
    // only built after JournalStartup succeeded: the journal answered a moment ago
    this.state = new AtomicReference<>(new State(kind, true, "", clock.instant()));
    this.checker = BlockingThreads.singleThread("workmate-journal-health");
    this.probe = JournalProbe.of(system);
    this.schedule = system.scheduler().scheduleWithFixedDelay(INTERVAL, INTERVAL,
        () -> checker.execute(this::check), system.executionContext());
  }

  /**
   * Starts checking the journal of {@code system} ({@code kind}: h2 or postgres); {@code clock}
   * stamps the checks.
   */
  public static JournalHealth start(ActorSystem<?> system, String kind, Clock clock) {
    return new JournalHealth(system, kind, clock);
  }

  public State state() {
    return state.get();
  }

  private void check() {
    Instant since = lastCheck;
    lastCheck = clock.instant();
    try {
      probe.check(CHECK_TIMEOUT);
      // the probe's small write may fit in space H2 reuses inside its file while the
      // entities' writes fail: a failure they met since the last check counts too
      Optional<JournalWriteFailures.Failure> failed = JournalWriteFailures.since(since);
      state.set(failed.isEmpty() ? new State(kind, true, "", clock.instant())
          : new State(kind, false, "a journal write failed at " + failed.get().at() + ": "
              + failed.get().message(), clock.instant()));
    } catch (RuntimeException e) {
      state.set(new State(kind, false, String.valueOf(e.getMessage()), clock.instant()));
    }
  }

  @Override
  public void close() {
    schedule.cancel();
    // the probe's connection is closed by the checker's thread, after any check under way;
    // a check that hangs on the database does not hold the stop for long
    checker.execute(probe::close);
    checker.shutdown();
    try {
      if (!checker.awaitTermination(CLOSE_WAIT.toMillis(), TimeUnit.MILLISECONDS)) {
        checker.shutdownNow();
      }
    } catch (InterruptedException e) {
      checker.shutdownNow();
      Thread.currentThread().interrupt();
    }
  }
}
