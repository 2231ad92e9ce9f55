package io.workmate.persistence;

import java.io.EOFException;
import java.io.IOException;
import java.nio.file.AccessDeniedException;
import java.nio.file.FileSystemException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.SQLException;
import java.util.Optional;

/**
 * Tells a corrupt embedded journal from other failures to open it. H2 reports an unreadable
 * store header as {@code FILE_CORRUPTED_1} (90030) and a file cut inside its header as an
 * {@code IO_EXCEPTION_1} (90028) caused by an {@link EOFException}, and a file it cannot open
 * (a directory, no permission) as one caused by a {@link FileSystemException} naming the file;
 * a file of zero bytes it silently formats as a new, empty database, so that case is refused
 * before H2 sees it.
 */
final class H2FileCheck {

  /** H2's ErrorCode.FILE_CORRUPTED_1. */
  private static final int FILE_CORRUPTED = 90030;
  /** H2's ErrorCode.IO_EXCEPTION_1. */
  private static final int IO_EXCEPTION = 90028;

  private H2FileCheck() {}

  /** Refuses an existing journal file of zero bytes, which H2 would take for a new database. */
  static void refuseEmpty(Path file) {
    try {
      if (Files.isRegularFile(file) && Files.size(file) == 0) {
        throw JournalCorruptException.corrupt(file, "it is empty (0 bytes)", null);
      }
    } catch (IOException e) {
      // cannot look at it: opening it will fail and say why
    }
  }

  /** The corruption that {@code failure} (from opening {@code file}) reports, if that is what it is. */
  static Optional<JournalCorruptException> recognise(Path file, Throwable failure) {
    SQLException sql = find(failure, SQLException.class);
    if (sql == null) {
      return Optional.empty();
    }
    if (sql.getErrorCode() == FILE_CORRUPTED) {
      return Optional.of(JournalCorruptException.corrupt(file, innermost(failure, file), failure));
    }
    if (sql.getErrorCode() == IO_EXCEPTION && find(failure, EOFException.class) != null) {
      return Optional.of(JournalCorruptException.corrupt(file, "it ends inside its own header",
          failure));
    }
    FileSystemException denied = find(failure, FileSystemException.class);
    if (sql.getErrorCode() == IO_EXCEPTION && denied != null && file.equals(
        denied.getFile() == null ? null : Path.of(denied.getFile()))) {
      String reason = denied.getReason() != null ? denied.getReason()
          : denied instanceof AccessDeniedException ? "permission denied"
          : denied.getClass().getSimpleName();
      return Optional.of(JournalCorruptException.unreadable(file, reason, failure));
    }
    return Optional.empty();
  }

  private static <T extends Throwable> T find(Throwable failure, Class<T> type) {
    for (Throwable t = failure; t != null; t = t.getCause() == t ? null : t.getCause()) {
      if (type.isInstance(t)) {
        return type.cast(t);
      }
    }
    return null;
  }

  /** H2's own words without the file's name and its version suffix: "Store header is corrupt". */
  private static String innermost(Throwable failure, Path file) {
    Throwable root = failure;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    String message = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
    return message.replaceAll("\\s*\\[[0-9.]+/\\d+]$", "").replace(": " + file, "")
        .replace(file.toString(), "the file");
  }
}
