package io.workmate.persistence;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.actor.typed.ActorSystem;

/**
 * Creates the journal's tables if they are missing (the plugin never does). Idempotent: every
 * statement of the shipped DDL says {@code IF NOT EXISTS}, so it runs on every start.
 *
 * <p>It uses one short-lived plain JDBC connection rather than the plugin's {@code SchemaUtils}
 * or its Slick pool: {@code SchemaUtils} ignores failing statements (a database that cannot be
 * opened never reports why, and start-up hung), and the HikariCP pool waits up to its 180 s
 * {@code connectionTimeout} for a connection that will never come. A direct connection fails at
 * once with the driver's own explanation, and runs the script in one transaction.
 */
public final class JournalSchema {

  private JournalSchema() {}

  /**
   * Creates the tables in the database configured for {@code system} unless they exist.
   *
   * @throws JournalUnavailableException if the database cannot be opened, rejects the DDL, or
   *     does not answer within {@code timeout}; the caller should terminate {@code system}
   *     ({@link JournalStartup#start} does)
   * @throws JournalCorruptException if the embedded file exists but is not a readable database
   */
  public static void ensure(ActorSystem<?> system, Duration timeout) {
    JournalDatabase database = JournalDatabase.of(system.settings().config());
    database.h2File().ifPresent(H2FileCheck::refuseEmpty);
    List<String> statements = SqlScript.statements(SqlScript.load(database.kind().schemaResource()));
    runWithin(timeout, database, () -> apply(database, statements));
  }

  /**
   * A real write: one row of the table {@code workmate_health} is set to the time and committed.
   * Only a write shows a journal that reads but cannot store (a full disk, an I/O error); the
   * plugin's schema was ensured at start, so it is not run again every check. The table is
   * Workmate's own, outside the plugin's schema; nothing else reads it.
   *
   * @throws JournalUnavailableException if the database cannot be opened or refuses the write
   * @throws JournalCorruptException if the embedded file exists but is not a readable database
   */
  public static void probe(ActorSystem<?> system, Duration timeout) {
    JournalDatabase database = JournalDatabase.of(system.settings().config());
    database.h2File().ifPresent(H2FileCheck::refuseEmpty);
    List<String> statements = new java.util.ArrayList<>();
    statements.add("CREATE TABLE IF NOT EXISTS \"workmate_health\" (\"id\" INT PRIMARY KEY, "
        + "\"checked_at\" BIGINT NOT NULL)");
    long now = System.currentTimeMillis();
    statements.add(database.kind() == JournalKind.H2
        ? "MERGE INTO \"workmate_health\" KEY (\"id\") VALUES (1, " + now + ")"
        : "INSERT INTO \"workmate_health\" VALUES (1, " + now + ") ON CONFLICT (\"id\") "
            + "DO UPDATE SET \"checked_at\" = EXCLUDED.\"checked_at\"");
    runWithin(timeout, database, () -> apply(database, statements));
  }

  private static void apply(JournalDatabase database, List<String> statements) throws SQLException {
    try (Connection connection =
        DriverManager.getConnection(database.url(), database.user(), database.password())) {
      connection.setAutoCommit(false);
      try (Statement statement = connection.createStatement()) {
        for (String sql : statements) {
          statement.execute(sql);
        }
        connection.commit();
      } catch (SQLException e) {
        rollbackQuietly(connection, e);
        throw e;
      }
    }
  }

  private static void rollbackQuietly(Connection connection, SQLException failure) {
    try {
      connection.rollback();
    } catch (SQLException rollbackFailure) {
      failure.addSuppressed(rollbackFailure);
    }
  }

  private interface SqlWork {
    void run() throws SQLException;
  }

  private static void runWithin(Duration timeout, JournalDatabase database, SqlWork work) {
    CompletableFuture<Void> outcome = new CompletableFuture<>();
    Thread worker = new Thread(() -> {
      try {
        work.run();
        outcome.complete(null);
      } catch (Throwable t) {
        outcome.completeExceptionally(t);
      }
    }, "workmate-journal-schema");
    // A connect or a query that never returns must not keep the JVM alive after we give up.
    worker.setDaemon(true);
    worker.start();
    try {
      outcome.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      worker.interrupt();
      throw new JournalUnavailableException(database.describe(),
          "no answer within " + timeout.toMillis() + " ms", e);
    } catch (ExecutionException e) {
      Optional<JournalCorruptException> corrupt = database.h2File()
          .flatMap(file -> H2FileCheck.recognise(file, e.getCause()));
      if (corrupt.isPresent()) {
        throw corrupt.get();
      }
      throw new JournalUnavailableException(database.describe(), explain(e.getCause()), e.getCause());
    } catch (InterruptedException e) {
      worker.interrupt();
      Thread.currentThread().interrupt();
      throw new JournalUnavailableException(database.describe(), "interrupted while waiting", e);
    }
  }

  /** The innermost explanation: drivers wrap the interesting part (e.g. the file error). */
  private static String explain(Throwable failure) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String outer = describe(failure);
    // The root's type matters: a NotDirectoryException's message is only the path.
    return root == failure ? outer
        : outer + " (caused by " + root.getClass().getSimpleName() + ": " + describe(root) + ")";
  }

  private static String describe(Throwable t) {
    return t.getMessage() == null ? t.getClass().getName() : t.getMessage();
  }
}
