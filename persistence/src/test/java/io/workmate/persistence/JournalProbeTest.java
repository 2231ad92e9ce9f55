package io.workmate.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JournalProbeTest {

  @TempDir Path dir;

  @Test
  void eachCheckCommitsTheHealthRowAgain() throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    ActorTestKit testKit = H2Journal.start("probe-h2", h2);
    try (JournalProbe probe = JournalProbe.of(testKit.system())) {
      long before = System.currentTimeMillis();
      probe.check(Duration.ofSeconds(10));
      long first = checkedAt(h2);
      assertTrue(first >= before, "the row holds the time of the check: " + first);

      Thread.sleep(5); // the row keeps milliseconds: the next check must write a later one
      probe.check(Duration.ofSeconds(10));
      assertTrue(checkedAt(h2) > first, "the second check wrote again");
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void aDatabaseThatNeverAnswersFailsTheCheckAtItsTimeoutWithoutTheSecret() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      String url = "jdbc:postgresql://127.0.0.1:" + silent.getLocalPort() + "/workmate";
      ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "probe-silent",
          JournalConfig.overlay(JournalSettings.postgres(url, "workmate", "s3cret-pw"))
              .withFallback(H2Journal.config(dir.resolve("unused"))));
      try (JournalProbe probe = JournalProbe.of(system)) {
        JournalUnavailableException failure = assertThrows(JournalUnavailableException.class,
            () -> probe.check(Duration.ofMillis(800)));
        assertEquals("PostgreSQL database " + url, failure.database());
        assertTrue(failure.getMessage().contains("no answer within 800 ms"),
            failure.getMessage());
        assertFalse(failure.getMessage().contains("s3cret-pw"), failure.getMessage());
        // the next check starts over instead of waiting on the abandoned attempt
        assertThrows(JournalUnavailableException.class,
            () -> probe.check(Duration.ofMillis(800)));
      } finally {
        system.terminate();
      }
    }
  }

  private static long checkedAt(Path h2) throws SQLException {
    String url = JournalConfig.jdbcUrl(JournalSettings.h2(h2));
    try (Connection connection = DriverManager.getConnection(url, "sa", "");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery(
            "SELECT \"checked_at\" FROM \"workmate_health\" WHERE \"id\" = 1")) {
      assertTrue(rows.next(), "the health row exists");
      return rows.getLong(1);
    }
  }
}
