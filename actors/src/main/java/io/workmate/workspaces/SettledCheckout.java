package io.workmate.workspaces;

import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a fresh checkout's index trusted at once, so that git does not read every file again on
 * each later {@code git status}.
 *
 * <p>A checkout writes the files and then the index within the same second, which makes every
 * entry "racily clean" (git compares the file's time with the index's in whole seconds here): a
 * status cannot trust the entry's stat data and hashes the file instead, until the index is
 * written again in a later second. The agent's codex runs about 13 read-only git commands per
 * turn, which never rewrite it, so in a fresh worktree of a 100-file repository each of them
 * opened all 100 files (none in the repository itself).
 *
 * <p>So the files the checkout wrote (a time in or after the second it began) are set back
 * before that second, and the index is refreshed once: its entries then hold times older than
 * the index file. Files a retry's checkout left alone were never racy and keep their times, so
 * the refresh hashes only what was written. An agent's later write gives a file the current
 * time, which differs from the entry's, so no change is missed. Symbolic links keep their times
 * (setting one would follow it out of the worktree).
 */
final class SettledCheckout {

  private static final Logger log = LoggerFactory.getLogger(SettledCheckout.class);

  private SettledCheckout() {}

  /** {@code checkoutBegan}: a moment no later than the first file was written. */
  static void settle(Git git, Path worktree, Instant checkoutBegan) throws IOException {
    Instant secondBegan = checkoutBegan.truncatedTo(ChronoUnit.SECONDS);
    FileTime before = FileTime.from(secondBegan.minusSeconds(1));
    Files.walkFileTree(worktree, new SimpleFileVisitor<>() {
      @Override
      public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
        return isGitMetadata(dir) ? FileVisitResult.SKIP_SUBTREE : FileVisitResult.CONTINUE;
      }

      @Override
      public FileVisitResult visitFile(Path file, BasicFileAttributes attrs) throws IOException {
        if (attrs.isRegularFile() && !isGitMetadata(file)
            && !attrs.lastModifiedTime().toInstant().isBefore(secondBegan)) {
          Files.setLastModifiedTime(file, before);
        }
        return FileVisitResult.CONTINUE;
      }
    });
    Git.Result refreshed = git.run(worktree, "update-index", "-q", "--refresh");
    if (!refreshed.ok()) {
      // only slower: every status hashes the files, as without this step
      log.debug("update-index --refresh in {}: {}", worktree, refreshed.err().strip());
    }
  }

  private static boolean isGitMetadata(Path path) {
    return path.getFileName() != null && path.getFileName().toString().equals(".git");
  }
}
