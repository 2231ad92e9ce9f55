package io.workmate.support;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileAttribute;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Writes files that hold configuration or credentials: owner-only (directory 0700, file 0600
 * where the file system is POSIX), and atomically, so a reader never sees half a file.
 */
public final class PrivateFiles {

  private PrivateFiles() {}

  /** Replaces {@code target} with {@code content}; creates its directory owner-only if needed. */
  public static void writeAtomically(Path target, byte[] content) throws IOException {
    Path dir = target.toAbsolutePath().getParent();
    boolean posix = dir.getFileSystem().supportedFileAttributeViews().contains("posix");
    Files.createDirectories(dir, ownerOnly(posix, "rwx------"));
    Path temp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp",
        ownerOnly(posix, "rw-------"));
    try {
      Files.write(temp, content);
      moveIntoPlace(temp, target);
    } finally {
      Files.deleteIfExists(temp); // only still there if something above failed
    }
  }

  private static FileAttribute<?>[] ownerOnly(boolean posix, String permissions) {
    return posix
        ? new FileAttribute<?>[] {
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(permissions))}
        : new FileAttribute<?>[0];
  }

  private static void moveIntoPlace(Path temp, Path target) throws IOException {
    try {
      Files.move(temp, target, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
    } catch (AtomicMoveNotSupportedException e) {
      // same directory, so only exotic file systems get here; a plain replace is what is left
      Files.move(temp, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }
}
