package io.workmate.server.service;

import io.workmate.persistence.JournalSchema;
import io.workmate.persistence.JournalWriteFailures;
import io.workmate.support.BlockingThreads;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Whether the journal answers and stores, for {@code /v1/health} and {@code /v1/ready}: checked
 * on a thread of its own every {@link #INTERVAL} (the check is blocking JDBC:
 * one committed write, {@link JournalSchema#probe}), so a health request
 * only reads the last result and never waits on the database. The write is what shows a journal
 * that still reads but cannot store (a full disk); a commit every 2 s costs nothing next to the
 * job ledger's hundreds. A write of the entities that failed since the last check
 * ({@link JournalWriteFailures}) makes it unavailable too, for one check.
 */
public final class JournalHealth implements AutoCloseable {

  public static final Duration INTERVAL = Duration.ofSeconds(2);
  private static final Duration CHECK_TIMEOUT = Duration.ofSeconds(5);

  /** @param detail why it is not ok, or empty */
  public record State(String kind, boolean ok, String detail, Instant checkedAt) {}

  private final ActorSystem<?> system;
  private final Clock clock;
  private final String kind;
  private final AtomicReference<State> state;
  private final ExecutorService checker;
  private final Cancellable schedule;
  /** When the last check started; only the checker thread reads and writes it. */
  private Instant lastCheck;

  private JournalHealth(ActorSystem<?> system, String kind, Clock clock) {
    this.system = system;
    this.clock = clock;
    this.lastCheck = clock.instant();
    this.kind = kind;
    // only built after JournalStartup succeeded: the journal answered a moment ago
    this.state = new AtomicReference<>(new State(kind, true, "", clock.instant()));
    this.checker = BlockingThreads.singleThread("workmate-journal-health");
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
      JournalSchema.probe(system, CHECK_TIMEOUT);
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
    checker.shutdownNow();
  }
}
