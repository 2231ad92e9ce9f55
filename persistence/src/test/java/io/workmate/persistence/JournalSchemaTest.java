package io.workmate.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.persistence.Counter.Ack;
import io.workmate.persistence.Counter.Add;
import io.workmate.persistence.Counter.GetState;
import io.workmate.persistence.Counter.State;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalSchemaTest {

  private static final List<String> TABLES =
      List.of("durable_state", "event_journal", "event_tag", "snapshot");

  @TempDir Path dir;

  @Test
  void ensuringTheSchemaAgainAndAfterARestartKeepsTablesAndEvents() throws SQLException {
    Path h2 = dir.resolve("journal/workmate");
    ActorTestKit first = H2Journal.start("schema-first", h2);
    try {
      JournalSchema.ensure(first.system(), H2Journal.STARTUP_TIMEOUT);
      TestProbe<Ack> acks = first.createTestProbe();
      first.spawn(Counter.create("counter-schema")).tell(new Add(5, acks.ref()));
      acks.expectMessage(new Ack(1, 5));
    } finally {
      first.shutdownTestKit();
    }
    assertEquals(TABLES, H2Journal.tables(h2));

    ActorTestKit second = H2Journal.start("schema-second", h2);
    try {
      TestProbe<State> states = second.createTestProbe();
      second.spawn(Counter.create("counter-schema")).tell(new GetState(states.ref()));
      states.expectMessage(new State(5, 1));
    } finally {
      second.shutdownTestKit();
    }
    assertEquals(TABLES, H2Journal.tables(h2));
  }

  @Test
  void ourH2SchemaCreatesExactlyWhatThePluginsOwnScriptCreates() throws SQLException {
    String pluginScript = SqlScript.load("schema/h2/h2-create-schema.sql");
    String ourScript = SqlScript.load(JournalKind.H2.schemaResource());
    List<String> ours = describeSchema("ours", ourScript);
    assertTrue(ours.size() > 30, "columns and indexes of four tables: " + ours);
    assertEquals(describeSchema("plugin", pluginScript), ours);
  }

  @Test
  void aJournalPathUnderARegularFileFailsClearlyAndTerminatesTheSystem() throws Exception {
    Path blocker = Files.writeString(dir.resolve("not-a-directory"), "in the way");
    Path h2 = blocker.resolve("journal/workmate");
    ActorSystem<Void> system =
        ActorSystem.create(Behaviors.empty(), "schema-unopenable", H2Journal.config(h2));
    Duration timeout = Duration.ofSeconds(10);

    long startedAt = System.nanoTime();
    JournalUnavailableException failure =
        assertThrows(JournalUnavailableException.class, () -> JournalStartup.start(system, timeout));
    assertTrue(System.nanoTime() - startedAt < timeout.toNanos(), "failed fast, not by timeout");

    assertEquals("H2 database " + h2, failure.database());
    assertTrue(failure.getMessage().contains(h2.toString()), failure.getMessage());
    assertTrue(failure.getMessage().contains("NotDirectoryException"), failure.getMessage());
    system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void aDatabaseThatNeverAnswersFailsAtTheTimeoutAndTerminatesTheSystem() throws Exception {
    // Accepts TCP connections (the backlog does) but never speaks: the Postgres driver waits
    // for the server's first byte forever, the hang a timeout exists for.
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/workmate";
      JournalSettings settings = JournalSettings.postgres(url, "workmate", "s3cret-pw");
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "schema-silent",
          JournalConfig.overlay(settings).withFallback(H2Journal.config(dir.resolve("unused"))));

      JournalUnavailableException failure = assertThrows(JournalUnavailableException.class,
          () -> JournalStartup.start(system, Duration.ofMillis(1500)));

      assertEquals("PostgreSQL database " + url, failure.database());
      assertTrue(failure.getMessage().contains("no answer within 1500 ms"), failure.getMessage());
      assertFalse(failure.getMessage().contains("s3cret-pw"), failure.getMessage());
      system.getWhenTerminated().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  /** Columns and indexes a script creates in a fresh in-memory H2 database. */
  private static List<String> describeSchema(String name, String script) throws SQLException {
    String url = "jdbc:h2:mem:schema-" + name + "-" + System.nanoTime();
    try (Connection connection = DriverManager.getConnection(url, "sa", "");
        Statement statement = connection.createStatement()) {
      for (String sql : SqlScript.statements(script)) {
        statement.execute(sql);
      }
      List<String> facts = new ArrayList<>();
      collect(statement, facts, "SELECT table_name, column_name, data_type, is_nullable,"
          + " column_default FROM information_schema.columns WHERE table_schema = 'PUBLIC'"
          + " ORDER BY table_name, column_name");
      collect(statement, facts, "SELECT table_name, index_name, index_type_name"
          + " FROM information_schema.indexes WHERE table_schema = 'PUBLIC'"
          + " ORDER BY table_name, index_name");
      return facts;
    }
  }

  private static void collect(Statement statement, List<String> facts, String query)
      throws SQLException {
    try (ResultSet rows = statement.executeQuery(query)) {
      int columns = rows.getMetaData().getColumnCount();
      while (rows.next()) {
        StringBuilder row = new StringBuilder();
        for (int i = 1; i <= columns; i++) {
          row.append(rows.getString(i)).append(' ');
        }
        facts.add(row.toString().strip());
      }
    }
  }
}
