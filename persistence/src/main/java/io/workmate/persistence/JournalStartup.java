package io.workmate.persistence;

import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The start-up step between creating the ActorSystem and starting the first entity: makes sure
 * the tables exist, and if the journal cannot be used, terminates the system before rethrowing,
 * because an ActorSystem left running keeps the JVM alive after {@code main} has failed.
 */
public final class JournalStartup {

  private static final Logger log = LoggerFactory.getLogger(JournalStartup.class);

  private JournalStartup() {}

  /** {@link #start(ActorSystem, Duration)} with {@code workmate.journal.startup-timeout}. */
  public static void start(ActorSystem<?> system) {
    start(system, system.settings().config().getDuration("workmate.journal.startup-timeout"));
  }

  /**
   * Ensures the schema within {@code timeout}.
   *
   * @throws JournalUnavailableException (or the configuration error) after terminating
   *     {@code system}; await {@code system.getWhenTerminated()} before exiting if you need to
   */
  public static void start(ActorSystem<?> system, Duration timeout) {
    // before the plugin builds its pool, which looks the driver up by class name
    H2PoolDriver.register();
    long startedAt = System.nanoTime();
    boolean ready = false;
    try {
      JournalSchema.ensure(system, timeout);
      ready = true;
    } finally {
      if (!ready) {
        system.terminate();
      }
    }
    log.info("Journal ready: {} (schema checked in {} ms)",
        JournalDatabase.of(system.settings().config()).describe(),
        (System.nanoTime() - startedAt) / 1_000_000);
  }
}
