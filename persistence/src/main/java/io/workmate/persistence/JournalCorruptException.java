package io.workmate.persistence;

import java.nio.file.Path;

/**
 * The embedded journal file exists but cannot be read as a database: garbage, cut short, or
 * empty. Never answered by starting a fresh journal over it: that would hide every job, agent
 * and memory entry it held. The message is one line for people: which file, what is wrong with
 * it and what to do.
 */
public final class JournalCorruptException extends RuntimeException {

  private final Path file;

  JournalCorruptException(Path file, String problem, Throwable cause) {
    super("the journal file " + file + " is corrupt: " + problem + "; restore it from a backup, "
        + "or move it aside to start with an empty journal (the jobs, agents and memory it "
        + "holds are then lost)", cause);
    this.file = file;
  }

  /** The damaged file ({@code <path>.mv.db}). */
  public Path file() {
    return file;
  }
}
