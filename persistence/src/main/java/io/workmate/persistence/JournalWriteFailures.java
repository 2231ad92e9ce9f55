package io.workmate.persistence;

import java.sql.SQLException;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The latest failure of the embedded journal that closed its database (a write H2 could not
 * store: a full disk, an I/O error), as {@link H2PoolDriver} saw it on a pooled connection. A
 * health check's own small write can still fit in space H2 reuses inside its file while the
 * journal's larger writes fail; this is what the entities' writes met. One per JVM, because
 * HikariCP instantiates the driver itself and one process runs one journal.
 */
public final class JournalWriteFailures {

  /** When the failure happened and H2's message. */
  public record Failure(Instant at, String message) {}

  private static final AtomicReference<Failure> LATEST = new AtomicReference<>();

  private JournalWriteFailures() {}

  static void record(SQLException failure) {
    String message = failure.getMessage() == null ? failure.toString() : failure.getMessage();
    LATEST.set(new Failure(Instant.now(), message.lines().findFirst().orElse(message)));
  }

  /** The latest failure at or after {@code since}, if any. */
  public static Optional<Failure> since(Instant since) {
    Failure latest = LATEST.get();
    return latest == null || latest.at().isBefore(since) ? Optional.empty() : Optional.of(latest);
  }
}
