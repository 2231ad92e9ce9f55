package io.workmate.persistence;

import com.typesafe.config.Config;
import java.nio.file.Path;
import java.util.Optional;

/**
 * The database the plugin will really open: read back from the ActorSystem's config (not from
 * {@link JournalSettings}) so the schema goes where the journal writes even if someone
 * configured the shared database by hand.
 */
record JournalDatabase(JournalKind kind, String url, String user, String password) {

  static JournalDatabase of(Config config) {
    String path = JournalConfig.SHARED_DATABASE + ".db";
    if (!config.hasPath(path + ".url")) {
      throw new IllegalStateException("no journal database configured at " + path
          + ".url; create the ActorSystem with JournalConfig.overlay(settings).withFallback(config)");
    }
    Config db = config.getConfig(path);
    String url = db.getString("url");
    return new JournalDatabase(JournalKind.ofJdbcUrl(url), url,
        db.hasPath("user") ? db.getString("user") : "",
        db.hasPath("password") ? db.getString("password") : "");
  }

  /** The embedded H2 file ({@code <path>.mv.db}), or empty for PostgreSQL and in-memory H2. */
  Optional<Path> h2File() {
    if (kind != JournalKind.H2) {
      return Optional.empty();
    }
    String location = url.substring("jdbc:h2:".length()).split(";", 2)[0];
    if (location.startsWith("mem:") || location.startsWith("tcp:") || location.startsWith("ssl:")) {
      return Optional.empty();
    }
    return Optional.of(Path.of(location.replaceFirst("^file:", "") + ".mv.db"));
  }

  /** Names the database for people: the H2 file, or the Postgres URL without secrets. */
  String describe() {
    if (kind == JournalKind.H2) {
      String location = url.substring("jdbc:h2:".length()).split(";", 2)[0];
      return "H2 database " + location.replaceFirst("^file:", "");
    }
    return kind.displayName() + " database " + JdbcUrls.redact(url);
  }

  @Override
  public String toString() {
    return "JournalDatabase[" + describe() + ", user=" + user + ", password="
        + JdbcUrls.mask(password) + "]";
  }
}
