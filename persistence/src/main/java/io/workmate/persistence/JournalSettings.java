package io.workmate.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Where the journal lives ({@code workmate.journal.*}). Only one of the H2 path and the Postgres
 * connection is used, as {@link #kind} says; both are kept so a config can switch by one key.
 *
 * @param kind which database
 * @param h2Path the H2 database file without its {@code .mv.db} suffix (absolute)
 * @param postgresUrl JDBC URL of the shared PostgreSQL database
 * @param postgresUser its user
 * @param postgresPassword its password; never printed ({@link #toString} masks it)
 * @param poolSize connections (and Slick threads) shared by journal, snapshots, queries and state
 */
public record JournalSettings(
    JournalKind kind,
    Path h2Path,
    String postgresUrl,
    String postgresUser,
    String postgresPassword,
    int poolSize) {

  /** Pool size when none is configured: plenty for an embedded file, modest for a server. */
  public static final int DEFAULT_POOL_SIZE = 4;

  /** The H2 file under a data dir when {@code workmate.journal.h2.path} is empty. */
  static final String H2_FILE_IN_DATA_DIR = "journal/workmate";

  public JournalSettings {
    Objects.requireNonNull(kind, "kind");
    Objects.requireNonNull(h2Path, "h2Path");
    Objects.requireNonNull(postgresUrl, "postgresUrl");
    Objects.requireNonNull(postgresUser, "postgresUser");
    Objects.requireNonNull(postgresPassword, "postgresPassword");
    // H2 wants an absolute path (it refuses implicitly relative ones), and the path becomes part
    // of a URL whose settings are separated by ';', so one in the path would inject settings.
    h2Path = h2Path.toAbsolutePath().normalize();
    if (h2Path.toString().contains(";")) {
      throw new IllegalArgumentException("the H2 journal path must not contain ';': " + h2Path);
    }
    if (poolSize < 1) {
      throw new IllegalArgumentException("workmate.journal.pool-size must be at least 1, not " + poolSize);
    }
  }

  /** An embedded H2 journal in the given file (tests, single-process runs). */
  public static JournalSettings h2(Path path) {
    return new JournalSettings(JournalKind.H2, path, "", "", "", DEFAULT_POOL_SIZE);
  }

  /** A PostgreSQL journal; the H2 path is unused and points at the working directory. */
  public static JournalSettings postgres(String url, String user, String password) {
    return new JournalSettings(JournalKind.POSTGRES, Path.of(H2_FILE_IN_DATA_DIR), url, user,
        password, DEFAULT_POOL_SIZE);
  }

  /**
   * Reads {@code workmate.journal}. An empty {@code h2.path} means {@code <data-dir>/journal/workmate},
   * where the data dir is {@code workmate.data-dir} (the server sets it) or, when that is missing
   * or empty, {@code fallbackDataDir}.
   */
  public static JournalSettings fromConfig(Config config, Path fallbackDataDir) {
    Config journal = config.getConfig("workmate.journal");
    return new JournalSettings(
        JournalKind.fromConfigName(journal.getString("kind")),
        h2Path(config, journal, fallbackDataDir),
        journal.getString("postgres.url"),
        journal.getString("postgres.user"),
        journal.getString("postgres.password"),
        journal.getInt("pool-size"));
  }

  private static Path h2Path(Config config, Config journal, Path fallbackDataDir) {
    String configured = journal.getString("h2.path");
    if (!configured.isBlank()) {
      return Path.of(configured);
    }
    String dataDir = config.hasPath("workmate.data-dir") ? config.getString("workmate.data-dir") : "";
    Path base = dataDir.isBlank() ? Objects.requireNonNull(fallbackDataDir, "fallbackDataDir")
        : Path.of(dataDir);
    return base.resolve(H2_FILE_IN_DATA_DIR);
  }

  /** Same settings with another pool size. */
  public JournalSettings withPoolSize(int size) {
    return new JournalSettings(kind, h2Path, postgresUrl, postgresUser, postgresPassword, size);
  }

  @Override
  public String toString() {
    String where = kind == JournalKind.H2
        ? "h2Path=" + h2Path
        : "postgresUrl=" + JdbcUrls.redact(postgresUrl) + ", postgresUser=" + postgresUser
            + ", postgresPassword=" + JdbcUrls.mask(postgresPassword);
    return "JournalSettings[kind=" + kind.configName() + ", " + where + ", poolSize=" + poolSize + "]";
  }
}
