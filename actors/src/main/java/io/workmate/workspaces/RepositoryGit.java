package io.workmate.workspaces;

import io.workmate.support.BlockingThreads;
import io.workmate.workspaces.Workspaces.ChangedFile;
import io.workmate.workspaces.Workspaces.Committed;
import io.workmate.workspaces.Workspaces.DiffText;
import io.workmate.workspaces.Workspaces.Prepared;
import io.workmate.workspaces.Workspaces.Validated;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The git operations on one repository, one at a time: a child of {@link Workspaces} per
 * repository, on the blocking dispatcher, running {@code git} in its message handler. So
 * worktree adds and removals, commits, merges and diffs of one repository never overlap (git's
 * own locks would make a concurrent one fail rather than wait), while other repositories'
 * actors run on other threads, and the jobs themselves run in their worktrees in parallel.
 *
 * <p>What touches only one job's worktree runs beside the queue, on the blocking pool, so the
 * queue holds only the short steps that change what the repository shares: writing a new
 * worktree's files ({@code reset --hard} after {@code worktree add --no-checkout}), staging a
 * job's changes, reading its new commit and deleting its directory (a {@code worktree prune}
 * in the queue then forgets it).
 * Those are the costly steps (a file created or deleted per file of the repository); with them
 * in the queue, jobs on one repository waited for each other's checkouts.
 */
final class RepositoryGit {

  /** A full commit id (SHA-1 or SHA-256). */
  private static final Pattern COMMIT_ID = Pattern.compile("[0-9a-f]{40}|[0-9a-f]{64}");

  sealed interface Command {}

  /**
   * A clean worktree at {@code worktree} on {@code branch}, which is set to {@code baseCommit}:
   * made when absent, else reset (the branch too) and cleaned of every untracked and ignored
   * file, so an attempt never sees what an earlier one left.
   */
  record Prepare(Path worktree, String branch, String baseCommit, ActorRef<Prepared> replyTo)
      implements Command {}

  /** Commits everything in {@code worktree}, then removes the worktree (its branch stays). */
  record Commit(Path worktree, String baseCommit, String message, String authorName,
      String authorEmail, ActorRef<Committed> replyTo) implements Command {}

  /**
   * Removes {@code worktree}; {@code decidedAt} (null: unconditionally) is when the caller chose
   * to: a worktree prepared since then belongs to a new attempt and stays.
   */
  record Remove(Path worktree, Instant decidedAt) implements Command {}

  /**
   * Merges {@code branch} into {@code into} without a working tree ({@link Workspaces.Merge}):
   * a fast-forward when possible ({@code merge}), else {@code git merge-tree --write-tree}, a
   * commit of that tree, and a compare-and-set of the target ref.
   */
  record Merge(String branch, String into, String strategy, String message, String authorName,
      String authorEmail, ActorRef<Workspaces.Merged> replyTo) implements Command {}

  /** {@link Commit}'s changes are staged (or could not be). */
  private record Staged(Commit commit, Throwable failure) implements Command {}

  /**
   * {@link Commit}'s commit is read and its worktree's directory deleted at {@code deletedAt}
   * ({@link System#nanoTime()}), or {@code failure} says why not.
   */
  private record Read(Commit commit, Committed committed, Throwable failure, long deletedAt)
      implements Command {}

  /** The unified diff of {@code base}..{@code head}. */
  record Diff(String base, String head, ActorRef<DiffText> replyTo) implements Command {}

  static Behavior<Command> create(Path repo, Git git, Clock clock) {
    return Behaviors.setup(context -> new RepositoryGit(context, repo, git, clock).serving());
  }

  private final ActorContext<Command> context;
  private final Path repo;
  private final Git git;
  private final Clock clock;
  /** When each worktree was last prepared, so a late removal does not hit a new attempt's. */
  private final Map<Path, Instant> preparedAt = new HashMap<>();
  /** When the last {@code git worktree prune} began ({@link System#nanoTime()}). */
  private long lastPruneStarted = System.nanoTime();

  private RepositoryGit(ActorContext<Command> context, Path repo, Git git, Clock clock) {
    this.context = context;
    this.repo = repo;
    this.git = git;
    this.clock = clock;
    // worktrees whose directories are gone (a crash, a manual rm) are forgotten at once
    git.run(repo, "worktree", "prune");
  }

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        .onMessage(Prepare.class, this::onPrepare)
        .onMessage(Commit.class, this::onCommit)
        .onMessage(Staged.class, this::onStaged)
        .onMessage(Read.class, this::onRead)
        .onMessage(Remove.class, this::onRemove)
        .onMessage(Diff.class, this::onDiff)
        .onMessage(Merge.class, this::onMerge)
        .build();
  }

  /**
   * The checks of a submission ({@code base} resolves, {@code branch} if named is valid and
   * free): reads only, so {@link Workspaces} runs them beside this actor's queue rather than
   * behind the worktree adds and commits in it.
   */
  static Validated validate(Git git, Path repo, String base, String branch) {
    String baseCommit = quickBaseCommit(git, repo, base);
    if (baseCommit == null) {
      Git.Result top = git.run(repo, "rev-parse", "--is-bare-repository", "--show-toplevel");
      if (!top.ok()) {
        return Validated.refused("repo", repo + " is not a git repository (" + top.reason()
            + ")");
      }
      List<String> lines = top.out().lines().toList();
      boolean bare = !lines.isEmpty() && lines.get(0).equals("true");
      if (!bare && (lines.size() < 2 || !samePath(Path.of(lines.get(1)), repo))) {
        return Validated.refused("repo", repo + " is inside the git repository "
            + (lines.size() < 2 ? "?" : lines.get(1)) + "; name its top directory");
      }
      Git.Result commit = git.run(repo, "rev-parse", "--verify", "--quiet",
          "--end-of-options", base + "^{commit}");
      if (!commit.ok() || commit.out().isBlank()) {
        return Validated.refused("base", "'" + base + "' is not a branch, tag or commit of "
            + repo);
      }
      baseCommit = commit.out().strip();
    }
    if (branch != null) {
      if (!git.run(repo, "check-ref-format", "--branch", branch).ok() || branch.startsWith("-")) {
        return Validated.refused("branch", "'" + branch + "' is not a valid branch name");
      }
      if (git.run(repo, "rev-parse", "--verify", "--quiet", "refs/heads/" + branch).ok()) {
        return Validated.refused("branch", "the branch '" + branch + "' already exists in "
            + repo);
      }
    }
    return new Validated(baseCommit, null, null);
  }

  /**
   * The usual submission in one git process: {@code repo} is a repository's top directory and
   * {@code base} one commit. Null when anything differs (not a repository, a subdirectory, a
   * bare one, a range, an unknown name): the checks then run one by one, to say which.
   */
  private static String quickBaseCommit(Git git, Path repo, String base) {
    if (base.startsWith("-")) {
      return null; // never an option to rev-parse; the careful path refuses it
    }
    Git.Result result = git.run(repo, "rev-parse", "--is-bare-repository", "--show-toplevel",
        base + "^{commit}");
    List<String> lines = result.ok() ? result.out().lines().toList() : List.of();
    if (lines.size() != 3 || !lines.get(0).equals("false")
        || !samePath(Path.of(lines.get(1)), repo) || !COMMIT_ID.matcher(lines.get(2)).matches()) {
      return null;
    }
    return lines.get(2);
  }

  private Behavior<Command> onPrepare(Prepare prepare) {
    Path worktree = prepare.worktree();
    try {
      if (Files.exists(worktree.resolve(".git"))) {
        // an earlier attempt's: back to the base, without a trace of what it did
        Instant began = clock.instant();
        git.check(worktree, "checkout", "-q", "-f", "-B", prepare.branch(), prepare.baseCommit());
        git.check(worktree, "clean", "-q", "-ffdx");
        SettledCheckout.settle(git, worktree, began);
        preparedAt.put(worktree, clock.instant());
        prepare.replyTo().tell(new Prepared(worktree, null));
        return Behaviors.same();
      }
      if (Files.exists(worktree)) {
        deleteTree(worktree);
        git.run(repo, "worktree", "prune"); // its registration, if git still has one
      }
      Files.createDirectories(worktree.getParent());
      // here only what the repository shares: the worktree's registration and its branch (the
      // job's own, checked at submission; -B takes it back from an earlier attempt)
      git.check(repo, "worktree", "add", "-q", "--no-checkout", "-B", prepare.branch(),
          worktree.toString(), prepare.baseCommit());
      preparedAt.put(worktree, clock.instant());
    } catch (RuntimeException | IOException e) {
      prepare.replyTo().tell(failedToPrepare(worktree, e));
      return Behaviors.same();
    }
    // writing the files (what "worktree add" does next, by a "reset --hard" in the worktree)
    // touches only the worktree and its own index, so it runs beside this queue: the costly
    // part of a worktree does not hold up other jobs' adds and commits
    CompletableFuture.runAsync(() -> checkOut(worktree),
            BlockingThreads.executor(context.getSystem()))
        .whenComplete((done, failure) -> prepare.replyTo().tell(failure == null
            ? new Prepared(worktree, null) : failedToPrepare(worktree, failure)));
    return Behaviors.same();
  }

  private void checkOut(Path worktree) {
    Instant began = clock.instant();
    git.check(worktree, "reset", "-q", "--hard");
    try {
      SettledCheckout.settle(git, worktree, began);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private Prepared failedToPrepare(Path worktree, Throwable failure) {
    return new Prepared(null, "cannot make the worktree " + worktree + " of " + repo + ": "
        + causeOf(failure).getMessage());
  }

  // A commit runs in three steps; only the middle one, the commit itself, in this actor's
  // queue. Staging (the worktree's own index; objects, which git writes safely side by side),
  // reading the result and deleting the worktree's files run beside it.

  private Behavior<Command> onCommit(Commit commit) {
    Path worktree = commit.worktree();
    beside(() -> git.check(worktree, "add", "-A"), (staged, failure) ->
        new Staged(commit, failure));
    return Behaviors.same();
  }

  private Behavior<Command> onStaged(Staged staged) {
    Commit commit = staged.commit();
    Path worktree = commit.worktree();
    try {
      if (staged.failure() != null) {
        throw staged.failure();
      }
      Git.Result committed = git.run(worktree, "-c", "user.name=" + commit.authorName(),
          "-c", "user.email=" + commit.authorEmail(), "commit", "-q", "--no-verify",
          "-m", commit.message());
      // it fails when there is nothing to commit (the agent changed nothing): that is no error
      if (!committed.ok() && !git.check(worktree, "status", "--porcelain").isBlank()) {
        throw new Git.GitException("git commit: " + committed.reason());
      }
    } catch (Throwable e) {
      commit.replyTo().tell(cannotCommit(commit, e));
      return Behaviors.same();
    }
    beside(() -> {
      Committed result = readCommit(worktree, commit.baseCommit());
      try {
        deleteTree(worktree);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot delete " + worktree, e);
      }
      return new Read(commit, result, null, System.nanoTime());
    }, (read, failure) -> read != null ? read : new Read(commit, null, failure, 0));
    return Behaviors.same();
  }

  /**
   * The worktree's directory is gone; {@code git worktree prune} forgets it. One prune serves
   * every worktree deleted before it started, so under load the queue runs one for several.
   */
  private Behavior<Command> onRead(Read read) {
    if (read.failure() != null) {
      read.commit().replyTo().tell(cannotCommit(read.commit(), read.failure()));
      return Behaviors.same();
    }
    preparedAt.remove(read.commit().worktree());
    if (read.deletedAt() - lastPruneStarted > 0) {
      lastPruneStarted = System.nanoTime();
      Git.Result pruned = git.run(repo, "worktree", "prune");
      if (!pruned.ok()) {
        context.getLog().warn("git worktree prune in {}: {}", repo, pruned.reason());
      }
    }
    read.commit().replyTo().tell(read.committed());
    return Behaviors.same();
  }

  /**
   * The branch's new head and its files changed since {@code base}: from the head's own diff
   * when its one parent is the base (the agent made no commits of its own), else one more diff.
   */
  private Committed readCommit(Path worktree, String base) {
    String log = git.check(worktree, "log", "-1", "--no-renames", "--format=%H %P", "-z",
        "--numstat", "HEAD");
    int header = log.indexOf('\0');
    String[] commits = (header < 0 ? log : log.substring(0, header)).strip().split(" ");
    String head = commits[0];
    List<ChangedFile> files = commits.length == 2 && commits[1].equals(base)
        ? numstat(log.substring(header + 1))
        : head.equals(base) ? List.of()
        : numstat(git.check(worktree, "diff", "--numstat", "-z", "--no-renames", base, head));
    return new Committed(head, files, null);
  }

  private static Committed cannotCommit(Commit commit, Throwable failure) {
    return new Committed(null, List.of(), "cannot commit the job's changes in "
        + commit.worktree() + ": " + causeOf(failure).getMessage());
  }

  /** What went wrong in work run on the blocking pool, without the future's wrapper. */
  static Throwable causeOf(Throwable failure) {
    return failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
  }

  /** Runs {@code work} on the blocking pool, beside this actor's queue; its end comes back. */
  private <T> void beside(java.util.function.Supplier<T> work,
      java.util.function.BiFunction<T, Throwable, Command> toMessage) {
    context.pipeToSelf(CompletableFuture.supplyAsync(work,
        BlockingThreads.executor(context.getSystem())), toMessage::apply);
  }

  private Behavior<Command> onRemove(Remove remove) {
    Instant prepared = preparedAt.get(remove.worktree());
    if (remove.decidedAt() != null && prepared != null && prepared.isAfter(remove.decidedAt())) {
      return Behaviors.same();
    }
    try {
      remove(remove.worktree());
    } catch (RuntimeException e) {
      context.getLog().warn("cannot remove the worktree {}: {}", remove.worktree(),
          e.getMessage());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onDiff(Diff diff) {
    Git.Result result = git.run(repo, "diff", "--no-color", "--no-ext-diff", "--no-renames",
        diff.base(), diff.head(), "--");
    diff.replyTo().tell(result.ok() ? new DiffText(result.out(), null)
        : new DiffText(null, "cannot diff " + diff.base() + ".." + diff.head() + " in " + repo
            + ": " + result.reason()));
    return Behaviors.same();
  }

  private Behavior<Command> onMerge(Merge merge) {
    merge.replyTo().tell(merge(merge));
    return Behaviors.same();
  }

  private Workspaces.Merged merge(Merge merge) {
    String target = "refs/heads/" + merge.into();
    Git.Result targetTip = git.run(repo, "rev-parse", "--verify", "--quiet", target);
    if (!targetTip.ok()) {
      return Workspaces.Merged.refused("no branch '" + merge.into() + "' in " + repo);
    }
    Git.Result sourceTip = git.run(repo, "rev-parse", "--verify", "--quiet",
        "refs/heads/" + merge.branch());
    if (!sourceTip.ok()) {
      return Workspaces.Merged.conflict("the job's branch '" + merge.branch() + "' no longer exists in "
          + repo, List.of());
    }
    String checkedOutAt = checkedOut(target);
    if (checkedOutAt != null) {
      return Workspaces.Merged.conflict("the branch '" + merge.into() + "' is checked out in the working "
          + "tree " + checkedOutAt + "; merging would change files under it, so Workmate does "
          + "not: check out another branch there, or merge with git yourself", List.of());
    }
    String into = targetTip.out().strip();
    String from = sourceTip.out().strip();
    if (git.run(repo, "merge-base", "--is-ancestor", from, into).ok()) {
      return Workspaces.Merged.done(into, false, "already merged");
    }
    boolean fastForward = merge.strategy().equals("merge")
        && git.run(repo, "merge-base", "--is-ancestor", into, from).ok();
    String commit;
    if (fastForward) {
      commit = from;
    } else {
      Git.Result tree = git.run(repo, "merge-tree", "--write-tree", "--name-only",
          "--no-messages", into, from);
      List<String> lines = tree.out().lines().filter(line -> !line.isBlank()).toList();
      if (tree.exitCode() == 1) {
        return Workspaces.Merged.conflict("merging '" + merge.branch() + "' into '" + merge.into()
            + "' conflicts in " + String.join(", ", lines.subList(1, lines.size()))
            + "; nothing was changed", lines.subList(1, lines.size()));
      }
      if (!tree.ok() || lines.isEmpty()) {
        return Workspaces.Merged.conflict("git merge-tree failed: " + tree.reason(), List.of());
      }
      List<String> commitTree = new ArrayList<>(List.of("-c", "user.name=" + merge.authorName(),
          "-c", "user.email=" + merge.authorEmail(), "commit-tree", lines.get(0), "-p", into));
      if (merge.strategy().equals("merge")) {
        commitTree.addAll(List.of("-p", from));
      }
      commitTree.addAll(List.of("-m", merge.message()));
      commit = git.check(repo, commitTree.toArray(String[]::new)).strip();
    }
    // compare-and-set: a branch moved meanwhile by someone else is not overwritten
    Git.Result updated = git.run(repo, "update-ref", "-m", "workmate: " + merge.message(),
        target, commit, into);
    if (!updated.ok()) {
      return Workspaces.Merged.conflict("'" + merge.into() + "' moved while merging; try again ("
          + updated.reason() + ")", List.of());
    }
    return Workspaces.Merged.done(commit, fastForward, fastForward ? "fast-forward" : merge.strategy());
  }

  /** The working tree that has {@code ref} checked out, or null. */
  private String checkedOut(String ref) {
    String worktree = null;
    for (String line : git.check(repo, "worktree", "list", "--porcelain").lines().toList()) {
      if (line.startsWith("worktree ")) {
        worktree = line.substring("worktree ".length());
      } else if (line.equals("branch " + ref)) {
        return worktree;
      }
    }
    return null;
  }

  private void remove(Path worktree) {
    preparedAt.remove(worktree);
    Git.Result removed = git.run(repo, "worktree", "remove", "--force", "--force",
        worktree.toString());
    if (!removed.ok()) {
      try {
        deleteTree(worktree);
      } catch (IOException e) {
        throw new Git.GitException("cannot delete " + worktree + ": " + e.getMessage());
      }
      git.run(repo, "worktree", "prune"); // git did not remove it: forget its registration
    }
  }

  /**
   * The diff from {@code base} to everything in {@code worktree} now: its files are staged into
   * a throwaway index (read from its HEAD), so the worktree's own index, which the agent may be
   * using, is never touched; the blobs git writes meanwhile are unreachable garbage.
   */
  static DiffText worktreeDiff(Git git, Path worktree, String base) {
    Path scratch = null;
    try {
      scratch = Files.createTempDirectory("workmate-diff-");
      Map<String, String> index = Map.of("GIT_INDEX_FILE", scratch.resolve("index").toString());
      for (String[] step : List.of(new String[] {"read-tree", "HEAD"},
          new String[] {"add", "-A"})) {
        Git.Result result = git.run(worktree, index, step);
        if (!result.ok()) {
          return new DiffText(null, "cannot read " + worktree + ": " + result.reason());
        }
      }
      Git.Result diff = git.run(worktree, index, "diff", "--cached", "--no-color",
          "--no-ext-diff", "--no-renames", base, "--");
      return diff.ok() ? new DiffText(diff.out(), null)
          : new DiffText(null, "cannot diff " + worktree + ": " + diff.reason());
    } catch (IOException e) {
      return new DiffText(null, "cannot diff " + worktree + ": " + e.getMessage());
    } finally {
      try {
        if (scratch != null) {
          deleteTree(scratch);
        }
      } catch (IOException e) {
        // a temporary directory left behind; nothing depends on it
      }
    }
  }

  /** {@code git diff --numstat -z}: "added TAB removed TAB path NUL" ("-" for binary files). */
  static List<ChangedFile> numstat(String output) {
    List<ChangedFile> files = new ArrayList<>();
    for (String entry : output.split("\0")) {
      String[] parts = entry.split("\t", 3);
      if (parts.length == 3) {
        files.add(new ChangedFile(parts[2], count(parts[0]), count(parts[1])));
      }
    }
    return files;
  }

  private static int count(String lines) {
    return lines.equals("-") ? -1 : Integer.parseInt(lines.strip());
  }

  private static boolean samePath(Path a, Path b) {
    try {
      return a.toRealPath().equals(b.toRealPath());
    } catch (IOException e) {
      return false;
    }
  }

  static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
