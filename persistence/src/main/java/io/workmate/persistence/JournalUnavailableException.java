package io.workmate.persistence;

/**
 * The journal database could not be opened or prepared at start-up (unreachable server, a path
 * that cannot hold the file, bad credentials, no answer in time). The message names the database
 * (never its password) and the cause. Whoever started the ActorSystem must terminate it;
 * {@link JournalStartup} does.
 */
public final class JournalUnavailableException extends RuntimeException {

  private final String database;

  JournalUnavailableException(String database, String problem, Throwable cause) {
    super("The journal cannot be used: " + database + ": " + problem, cause);
    this.database = database;
  }

  /** The database, for people: the H2 file or the Postgres URL without secrets. */
  public String database() {
    return database;
  }
}
