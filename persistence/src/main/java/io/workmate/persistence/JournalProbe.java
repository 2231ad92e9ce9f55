package io.workmate.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * A real write to the journal's database, for health checks: one row of the table
 * {@code workmate_health} is set to the time and committed. Only a write shows a journal that
 * reads but cannot store (a full disk, an I/O error). The table is Workmate's own, outside the
 * plugin's schema; nothing else reads it.
 *
 * <p>On PostgreSQL the probe keeps one connection of its own between checks and opens a new one
 * only after a failure: a new connection per check cost a backend fork and a SCRAM login (4,096
 * HMAC rounds in the JVM) every 2 s, 3-6 % of a busy node's CPU and a third of an idle one's. It
 * does not borrow from the plugin's pool, whose HikariCP waits 180 s for a connection that will
 * never come. The embedded H2 database gets a connection per check, as it costs next to nothing
 * there and a connection kept open would keep the database open after the plugin's pool closed
 * it at shutdown. Not thread-safe: one checker calls it.
 */
public final class JournalProbe implements AutoCloseable {

  private static final String CREATE = "CREATE TABLE IF NOT EXISTS \"workmate_health\" "
      + "(\"id\" INT PRIMARY KEY, \"checked_at\" BIGINT NOT NULL)";

  private final JournalDatabase database;
  /**
   * Open and last seen working, or null. A check hands it to its worker and gets it back; one
   * that answers after the check gave up closes it.
   */
  private Connection connection;

  private JournalProbe(JournalDatabase database) {
    this.database = database;
  }

  /** A probe of the database the plugin of {@code system} writes to. */
  public static JournalProbe of(ActorSystem<?> system) {
    return new JournalProbe(JournalDatabase.of(system.settings().config()));
  }

  /**
   * Writes and commits the health row within {@code timeout}.
   *
   * @throws JournalUnavailableException if the database cannot be opened, refuses the write or
   *     does not answer in time
   * @throws JournalCorruptException if the embedded file exists but is not a readable database
   */
  public void check(Duration timeout) {
    database.h2File().ifPresent(H2FileCheck::refuseEmpty);
    Connection reused = connection;
    connection = null; // the worker owns it now; a working one comes back
    connection = JournalSchema.callWithin(timeout, database, () -> {
      Connection written = writeOrReconnect(reused);
      if (keepsConnection()) {
        return written;
      }
      closeQuietly(written);
      return null;
    }, JournalProbe::closeQuietly);
  }

  private boolean keepsConnection() {
    return database.kind() == JournalKind.POSTGRES;
  }

  /** A kept connection may have died with a database restart: then one try on a new one. */
  private Connection writeOrReconnect(Connection reused) throws SQLException {
    if (reused == null) {
      return write(null);
    }
    try {
      return write(reused);
    } catch (SQLException stale) {
      try {
        return write(null);
      } catch (SQLException e) {
        e.addSuppressed(stale);
        throw e;
      }
    }
  }

  private Connection write(Connection reused) throws SQLException {
    Connection open = reused;
    try {
      if (open == null) {
        open = DriverManager.getConnection(database.url(), database.user(), database.password());
        open.setAutoCommit(false);
        try (Statement statement = open.createStatement()) {
          statement.execute(CREATE);
        }
        open.commit();
      }
      try (Statement statement = open.createStatement()) {
        statement.executeUpdate(upsert(System.currentTimeMillis()));
      }
      open.commit();
      return open;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(open);
      throw e;
    }
  }

  private String upsert(long now) {
    return database.kind() == JournalKind.H2
        ? "MERGE INTO \"workmate_health\" KEY (\"id\") VALUES (1, " + now + ")"
        : "INSERT INTO \"workmate_health\" VALUES (1, " + now + ") ON CONFLICT (\"id\") "
            + "DO UPDATE SET \"checked_at\" = EXCLUDED.\"checked_at\"";
  }

  private static void closeQuietly(Connection open) {
    if (open == null) {
      return;
    }
    try {
      open.rollback();
    } catch (SQLException ignored) {
      // closing is what matters
    }
    try {
      open.close();
    } catch (SQLException ignored) {
      // already broken
    }
  }

  /** Closes the kept connection (an embedded database closes with its last connection). */
  @Override
  public void close() {
    closeQuietly(connection);
    connection = null;
  }
}
