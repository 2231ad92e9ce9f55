package io.workmate.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** Test helpers for an H2 file journal in a temporary directory. */
final class H2Journal {

  static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(20);

  private H2Journal() {}

  /** The application's config with the journal overlay, as the server builds it. */
  static Config config(Path h2Path) {
    return JournalConfig.overlay(JournalSettings.h2(h2Path)).withFallback(ConfigFactory.load());
  }

  /** {@link #config(Path)} with {@code urlSettings} (";KEY=VALUE...") added to the H2 URL. */
  static Config config(Path h2Path, String urlSettings) {
    String url = JournalConfig.jdbcUrl(JournalSettings.h2(h2Path)) + urlSettings;
    return ConfigFactory.parseMap(Map.of(JournalConfig.SHARED_DATABASE + ".db.url", url))
        .withFallback(config(h2Path));
  }

  /** A fresh ActorSystem on the H2 file, with the schema ensured. */
  static ActorTestKit start(String name, Path h2Path) {
    ActorTestKit testKit = ActorTestKit.create(name, config(h2Path));
    JournalStartup.start(testKit.system(), STARTUP_TIMEOUT);
    return testKit;
  }

  /** Lists the journal's tables, read with plain JDBC (the ActorSystem may be gone). */
  static List<String> tables(Path h2Path) throws SQLException {
    String url = JournalConfig.jdbcUrl(JournalSettings.h2(h2Path));
    try (Connection connection = DriverManager.getConnection(url, "sa", "");
        Statement statement = connection.createStatement();
        ResultSet rows = statement.executeQuery("SELECT table_name FROM information_schema.tables"
            + " WHERE table_schema = 'PUBLIC' ORDER BY table_name")) {
      List<String> names = new ArrayList<>();
      while (rows.next()) {
        names.add(rows.getString(1));
      }
      return names;
    }
  }
}
