package io.workmate.persistence;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** The databases the journal runs on, with what the plugin and the schema need to know about each. */
public enum JournalKind {
  /**
   * Embedded H2 file: one process only (H2 locks the file). The default. Its pool connects
   * through {@link H2PoolDriver}, so connections to a database H2 closed after a failed write
   * are evicted.
   */
  H2("h2", "H2", "slick.jdbc.H2Profile$", H2PoolDriver.class.getName(), "jdbc:h2:"),
  /** PostgreSQL: the shared journal of a cluster. */
  POSTGRES("postgres", "PostgreSQL", "slick.jdbc.PostgresProfile$", "org.postgresql.Driver",
      "jdbc:postgresql:");

  private final String configName;
  private final String displayName;
  private final String slickProfile;
  private final String jdbcDriver;
  private final String urlPrefix;

  JournalKind(String configName, String displayName, String slickProfile, String jdbcDriver,
      String urlPrefix) {
    this.configName = configName;
    this.displayName = displayName;
    this.slickProfile = slickProfile;
    this.jdbcDriver = jdbcDriver;
    this.urlPrefix = urlPrefix;
  }

  /** The value of {@code workmate.journal.kind}. */
  public String configName() {
    return configName;
  }

  String displayName() {
    return displayName;
  }

  String slickProfile() {
    return slickProfile;
  }

  String jdbcDriver() {
    return jdbcDriver;
  }

  /** The idempotent DDL this module ships for this database (a classpath resource). */
  String schemaResource() {
    return "io/workmate/persistence/schema/" + configName + "-create-schema.sql";
  }

  /** Parses {@code workmate.journal.kind}. */
  public static JournalKind fromConfigName(String name) {
    String wanted = name.trim().toLowerCase(Locale.ROOT);
    return Arrays.stream(values())
        .filter(kind -> kind.configName.equals(wanted))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(
            "workmate.journal.kind must be one of " + allConfigNames() + ", not \"" + name + "\""));
  }

  /** The kind a JDBC URL belongs to, so the schema matches whatever the plugin really opens. */
  static JournalKind ofJdbcUrl(String url) {
    return Arrays.stream(values())
        .filter(kind -> url.startsWith(kind.urlPrefix))
        .findFirst()
        .orElseThrow(() -> new IllegalArgumentException(
            "the journal URL must start with jdbc:h2: or jdbc:postgresql:, not "
                + JdbcUrls.redact(url)));
  }

  private static String allConfigNames() {
    return Arrays.stream(values()).map(k -> "\"" + k.configName + "\"")
        .collect(Collectors.joining(", "));
  }
}
