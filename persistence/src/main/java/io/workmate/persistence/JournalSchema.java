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
import java.util.function.Consumer;
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

  /** JDBC work that gives something back. */
  interface SqlCall<T> {
    T call() throws SQLException;
  }

  private static void runWithin(Duration timeout, JournalDatabase database, SqlWork work) {
    callWithin(timeout, database, () -> {
      work.run();
      return null;
    }, late -> { });
  }

  /**
   * Runs {@code work} on a thread of its own and waits at most {@code timeout}: JDBC has no
   * timeout that covers an embedded file or a connect that hangs. What the work gives back
   * after the wait was given up goes to {@code late} (to close it), on the worker's thread.
   */
  static <T> T callWithin(Duration timeout, JournalDatabase database, SqlCall<T> work,
      Consumer<T> late) {
    CompletableFuture<T> outcome = new CompletableFuture<>();
    Thread worker = new Thread(() -> {
      try {
        outcome.complete(work.call());
      } catch (Throwable t) {
        outcome.completeExceptionally(t);
      }
    }, "workmate-journal-schema");
    // A connect or a query that never returns must not keep the JVM alive after we give up.
    worker.setDaemon(true);
    worker.start();
    try {
      return outcome.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
    } catch (TimeoutException e) {
      outcome.thenAccept(late);
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
      outcome.thenAccept(late);
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
