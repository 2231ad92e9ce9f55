package io.workmate.persistence;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.Map;

/**
 * Builds the config that points Pekko persistence at the journal database. Use it before the
 * ActorSystem exists, because the H2 file lives in the data dir, known only at run time:
 *
 * <pre>{@code
 * JournalSettings settings = JournalSettings.fromConfig(appConfig, dataDir);
 * Config config = JournalConfig.overlay(settings).withFallback(appConfig);
 * ActorSystem<Void> system = ActorSystem.create(guardian, "workmate", config);
 * JournalStartup.start(system);
 * }</pre>
 */
public final class JournalConfig {

  /** Where the plugins find their shared database (their {@code use-shared-db = "slick"}). */
  static final String SHARED_DATABASE = "pekko-persistence-jdbc.shared-databases.slick";

  /** Event payloads up to this size stay in the H2 journal row (see {@link #jdbcUrl}). */
  static final int INLINE_PAYLOAD_BYTES = 64 * 1024;

  private static final String WIRING_RESOURCE = "io/workmate/persistence/journal-wiring.conf";

  private JournalConfig() {}

  /** The plugin wiring plus the database connection of {@code settings}; resolved. */
  public static Config overlay(JournalSettings settings) {
    // Built from values, never from HOCON text, so a path with quotes or '$' needs no escaping.
    Config database = ConfigFactory.parseMap(Map.of(
        "profile", settings.kind().slickProfile(),
        "db", Map.of(
            "url", jdbcUrl(settings),
            "user", user(settings),
            "password", password(settings),
            "driver", settings.kind().jdbcDriver(),
            // Slick wants at least as many connections as threads; equal sizes waste neither.
            "numThreads", settings.poolSize(),
            "maxConnections", settings.poolSize(),
            "minConnections", 1)),
        "journal database (JournalConfig)");
    return ConfigFactory.empty()
        .withValue(SHARED_DATABASE, database.root())
        .withFallback(ConfigFactory.parseResourcesAnySyntax(
            JournalConfig.class.getClassLoader(), WIRING_RESOURCE))
        .resolve();
  }

  /** The JDBC URL the plugin opens for {@code settings}. */
  public static String jdbcUrl(JournalSettings settings) {
    return switch (settings.kind()) {
      case POSTGRES -> settings.postgresUrl();
      case H2 -> "jdbc:h2:file:" + settings.h2Path()
          // Write each commit to the file before acknowledging it. H2's default (500 ms delay)
          // lost acknowledged events when the JVM crashed; with 0 none were lost.
          + ";WRITE_DELAY=0"
          // Keep payloads up to 64 KiB in the row. Above H2's default of 256 bytes a BLOB goes to
          // a separate LOB store, more B-trees rewritten per commit; the job ledger's batch rows
          // are a few KB, and its write latency at 1,000 ops/s fell by about a third.
          + ";MAX_LENGTH_INPLACE_LOB=" + INLINE_PAYLOAD_BYTES
          // No automatic ANALYZE. H2 runs it inside the insert that crosses 2,000, 4,000, 8,000
          // ... changed rows, reading a sample of up to 10,000 rows while that write waits (5-20
          // ms seen); the plugin's queries are all by key and need no statistics.
          + ";ANALYZE_AUTO=0"
          // Let the connection pool close the database when the ActorSystem terminates; H2's
          // own JVM shutdown hook would close it under Pekko's coordinated shutdown, which may
          // still be writing.
          + ";DB_CLOSE_ON_EXIT=FALSE"
          // No <name>.trace.db file next to the journal: errors reach us as SQLExceptions.
          + ";TRACE_LEVEL_FILE=0";
    };
  }

  private static String user(JournalSettings settings) {
    // H2 creates the database on first open, owned by whoever opens it; "sa" is H2's convention.
    return settings.kind() == JournalKind.H2 ? "sa" : settings.postgresUser();
  }

  private static String password(JournalSettings settings) {
    // The embedded file is protected by file permissions, not a password.
    return settings.kind() == JournalKind.H2 ? "" : settings.postgresPassword();
  }
}
