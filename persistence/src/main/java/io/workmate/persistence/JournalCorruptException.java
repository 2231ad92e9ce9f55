package io.workmate.persistence;

import java.nio.file.Path;

/**
 * The embedded journal file exists but cannot be read as a database: garbage, cut short, empty,
 * or not readable at all (a directory, no permission). Never answered by starting a fresh
 * journal over it: that would hide every job, agent and memory entry it held. The message is
 * one line for people: which file, what is wrong with it and what to do.
 */
public final class JournalCorruptException extends RuntimeException {

  private final Path file;

  private JournalCorruptException(Path file, String message, Throwable cause) {
    super(message, cause);
    this.file = file;
  }

  /** {@code file} is not a database: {@code problem} says how. */
  static JournalCorruptException corrupt(Path file, String problem, Throwable cause) {
    return new JournalCorruptException(file, "the journal file " + file + " is corrupt: "
        + problem + "; restore it from a backup, or move it aside to start with an empty journal "
        + "(the jobs, agents and memory it holds are then lost)", cause);
  }

  /** {@code file} cannot be opened at all: {@code problem} is the system's reason. */
  static JournalCorruptException unreadable(Path file, String problem, Throwable cause) {
    return new JournalCorruptException(file, "the journal file " + file + " cannot be read: "
        + problem + "; make it a file this user can read and write, or restore it from a backup",
        cause);
  }

  /** The damaged file ({@code <path>.mv.db}). */
  public Path file() {
    return file;
  }
}
