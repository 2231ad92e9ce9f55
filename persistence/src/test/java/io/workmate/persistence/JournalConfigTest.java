package io.workmate.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import scala.Option;

class JournalConfigTest {

  private static final Path FALLBACK = Path.of("/fallback/data");

  @Test
  void theH2OverlayOpensTheFileCrashSafelyThroughOneSharedPool() {
    Config config = JournalConfig.overlay(JournalSettings.h2(Path.of("/data/journal/workmate")))
        .withFallback(ConfigFactory.load());

    assertEquals("jdbc:h2:file:/data/journal/workmate;WRITE_DELAY=0;MAX_LENGTH_INPLACE_LOB=65536;"
        + "ANALYZE_AUTO=0;DB_CLOSE_ON_EXIT=FALSE;TRACE_LEVEL_FILE=0", config.getString(JournalConfig.SHARED_DATABASE + ".db.url"));
    assertEquals("slick.jdbc.H2Profile$", config.getString(JournalConfig.SHARED_DATABASE + ".profile"));
    assertEquals(H2PoolDriver.class.getName(), config.getString(JournalConfig.SHARED_DATABASE + ".db.driver"));
    assertPluginsShareOneDatabase(config);
  }

  @Test
  void thePostgresOverlayIsAValidPluginConfig() {
    JournalSettings settings =
        JournalSettings.postgres("jdbc:postgresql://db.local:5432/workmate", "wm", "s3cret")
            .withPoolSize(8);
    Config config = JournalConfig.overlay(settings).withFallback(ConfigFactory.load());
    Config db = config.getConfig(JournalConfig.SHARED_DATABASE + ".db");

    assertEquals("slick.jdbc.PostgresProfile$",
        config.getString(JournalConfig.SHARED_DATABASE + ".profile"));
    assertEquals("jdbc:postgresql://db.local:5432/workmate", db.getString("url"));
    assertEquals("wm", db.getString("user"));
    assertEquals("s3cret", db.getString("password"));
    assertEquals("org.postgresql.Driver", db.getString("driver"));
    assertEquals(8, db.getInt("numThreads"));
    assertEquals(8, db.getInt("maxConnections"));
    assertEquals(1, db.getInt("minConnections"));
    assertEquals("HikariCP", db.getString("connectionPool"), "the plugin's pool defaults still apply");
    assertPluginsShareOneDatabase(config);
    assertEquals(JournalKind.POSTGRES, JournalDatabase.of(config).kind());
  }

  private static void assertPluginsShareOneDatabase(Config config) {
    assertEquals("jdbc-journal", config.getString("pekko.persistence.journal.plugin"));
    assertEquals("jdbc-snapshot-store", config.getString("pekko.persistence.snapshot-store.plugin"));
    assertEquals("jdbc-durable-state-store", config.getString("pekko.persistence.state.plugin"));
    for (String plugin : new String[] {"jdbc-journal", "jdbc-snapshot-store", "jdbc-read-journal",
        "jdbc-durable-state-store"}) {
      assertEquals("slick", config.getString(plugin + ".use-shared-db"), plugin);
    }
    // The plugin's own parser agrees.
    assertEquals(Option.apply("slick"),
        new org.apache.pekko.persistence.jdbc.config.JournalConfig(config.getConfig("jdbc-journal"))
            .useSharedDb());
  }

  @Test
  void theH2FileDefaultsToTheDataDirThenToTheCallersFallback() {
    Config withDataDir = ConfigFactory.parseString("workmate.data-dir = \"/srv/workmate\"")
        .withFallback(ConfigFactory.load());
    Config withoutDataDir = ConfigFactory.parseString("workmate.data-dir = \"\"")
        .withFallback(ConfigFactory.load());
    Config explicit = ConfigFactory.parseString("workmate.journal.h2.path = \"/elsewhere/j\"")
        .withFallback(withDataDir);

    assertEquals(Path.of("/srv/workmate/journal/workmate"),
        JournalSettings.fromConfig(withDataDir, FALLBACK).h2Path());
    assertEquals(Path.of("/fallback/data/journal/workmate"),
        JournalSettings.fromConfig(withoutDataDir, FALLBACK).h2Path());
    assertEquals(Path.of("/fallback/data/journal/workmate"),
        JournalSettings.fromConfig(ConfigFactory.load(), FALLBACK).h2Path(), "no data-dir key at all");
    assertEquals(Path.of("/elsewhere/j"), JournalSettings.fromConfig(explicit, FALLBACK).h2Path());
  }

  @Test
  void theDefaultsAreAnH2JournalWithAFourConnectionPool() {
    JournalSettings settings = JournalSettings.fromConfig(ConfigFactory.load(), FALLBACK);

    assertEquals(JournalKind.H2, settings.kind());
    assertEquals(4, settings.poolSize());
    assertEquals(30, ConfigFactory.load().getDuration("workmate.journal.startup-timeout").toSeconds());
  }

  @Test
  void postgresIsSelectedByKind() {
    Config config = ConfigFactory.parseString("""
        workmate.journal {
          kind = "postgres"
          postgres { url = "jdbc:postgresql://10.0.0.5/wm", user = "wm", password = "pw" }
          pool-size = 6
        }""").withFallback(ConfigFactory.load());

    JournalSettings settings = JournalSettings.fromConfig(config, FALLBACK);

    assertEquals(new JournalSettings(JournalKind.POSTGRES, FALLBACK.resolve("journal/workmate"),
        "jdbc:postgresql://10.0.0.5/wm", "wm", "pw", 6), settings);
  }

  @Test
  void anUnknownKindIsRejectedWithTheChoices() {
    Config config = ConfigFactory.parseString("workmate.journal.kind = sqlite")
        .withFallback(ConfigFactory.load());

    IllegalArgumentException error = assertThrows(IllegalArgumentException.class,
        () -> JournalSettings.fromConfig(config, FALLBACK));
    assertEquals("workmate.journal.kind must be one of \"h2\", \"postgres\", not \"sqlite\"",
        error.getMessage());
  }

  @Test
  void passwordsNeverAppearInToString() {
    JournalSettings settings = JournalSettings.postgres(
        "jdbc:postgresql://db/wm?user=wm&password=in-url&ssl=true", "wm", "s3cret");
    Config config = JournalConfig.overlay(settings).withFallback(ConfigFactory.load());

    for (String text : new String[] {settings.toString(), JournalDatabase.of(config).toString()}) {
      assertFalse(text.contains("s3cret"), text);
      assertFalse(text.contains("in-url"), text);
      assertTrue(text.contains("password=******"), text);
    }
  }

  @Test
  void anH2PathWithASemicolonIsRejectedBecauseItWouldAddUrlSettings() {
    assertThrows(IllegalArgumentException.class,
        () -> JournalSettings.h2(Path.of("/tmp/x;INIT=RUNSCRIPT FROM 'evil.sql'")));
  }

  @Test
  void scriptsSplitAtSemicolonsThatEndALine() {
    assertEquals(java.util.List.of("CREATE TABLE a (x INT)", "CREATE INDEX IF NOT EXISTS i ON a (x)"),
        SqlScript.statements("""
            -- a comment; with a semicolon
            CREATE TABLE a (x INT);

            CREATE INDEX IF NOT EXISTS i ON a (x);
            """));
  }
}
