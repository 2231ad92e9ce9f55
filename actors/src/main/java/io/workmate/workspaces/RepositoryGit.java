package io.workmate.workspaces;

import io.workmate.workspaces.Workspaces.ChangedFile;
import io.workmate.workspaces.Workspaces.Committed;
import io.workmate.workspaces.Workspaces.DiffText;
import io.workmate.workspaces.Workspaces.Prepared;
import io.workmate.workspaces.Workspaces.Validated;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The git operations on one repository, one at a time: a child of {@link Workspaces} per
 * repository, on the blocking dispatcher, running {@code git} in its message handler. So
 * worktree adds and removals, commits and reads of one repository never overlap (git's own
 * locks would make a concurrent one fail rather than wait), while other repositories' actors
 * run on other threads, and the jobs themselves run in their worktrees in parallel.
 */
final class RepositoryGit {

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
    Git.Result top = git.run(repo, "rev-parse", "--is-bare-repository", "--show-toplevel");
    if (!top.ok()) {
      return Validated.refused("repo", repo + " is not a git repository (" + top.reason() + ")");
    }
    List<String> lines = top.out().lines().toList();
    boolean bare = !lines.isEmpty() && lines.get(0).equals("true");
    if (!bare && (lines.size() < 2 || !samePath(Path.of(lines.get(1)), repo))) {
      return Validated.refused("repo", repo + " is inside the git repository "
          + (lines.size() < 2 ? "?" : lines.get(1)) + "; name its top directory");
    }
    Git.Result commit = git.run(repo, "rev-parse", "--verify", "--quiet", "--end-of-options",
        base + "^{commit}");
    if (!commit.ok() || commit.out().isBlank()) {
      return Validated.refused("base", "'" + base + "' is not a branch, tag or commit of " + repo);
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
    return new Validated(commit.out().strip(), null, null);
  }

  private Behavior<Command> onPrepare(Prepare prepare) {
    Path worktree = prepare.worktree();
    try {
      if (Files.exists(worktree.resolve(".git"))) {
        // an earlier attempt's: back to the base, without a trace of what it did
        git.check(worktree, "checkout", "-q", "-f", "-B", prepare.branch(), prepare.baseCommit());
        git.check(worktree, "clean", "-q", "-ffdx");
      } else {
        if (Files.exists(worktree)) {
          deleteTree(worktree);
          git.run(repo, "worktree", "prune"); // its registration, if git still has one
        }
        Files.createDirectories(worktree.getParent());
        boolean branchExists = git.run(repo, "rev-parse", "--verify", "--quiet",
            "refs/heads/" + prepare.branch()).ok();
        // the branch is the job's own (checked at submission): an earlier attempt made it
        git.check(repo, "worktree", "add", "-q", branchExists ? "-B" : "-b", prepare.branch(),
            worktree.toString(), prepare.baseCommit());
      }
      preparedAt.put(worktree, clock.instant());
      prepare.replyTo().tell(new Prepared(worktree, null));
    } catch (RuntimeException | IOException e) {
      prepare.replyTo().tell(new Prepared(null, "cannot make the worktree " + worktree + " of "
          + repo + ": " + e.getMessage()));
    }
    return Behaviors.same();
  }

  private Behavior<Command> onCommit(Commit commit) {
    Path worktree = commit.worktree();
    try {
      git.check(worktree, "add", "-A");
      Git.Result committed = git.run(worktree, "-c", "user.name=" + commit.authorName(),
          "-c", "user.email=" + commit.authorEmail(), "commit", "-q", "--no-verify",
          "-m", commit.message());
      // it fails when there is nothing to commit (the agent changed nothing): that is no error
      if (!committed.ok() && !git.check(worktree, "status", "--porcelain").isBlank()) {
        throw new Git.GitException("git commit: " + committed.reason());
      }
      String head = git.check(worktree, "rev-parse", "HEAD").strip();
      List<ChangedFile> files = numstat(git.check(worktree, "diff", "--numstat", "-z",
          "--no-renames", commit.baseCommit(), head));
      remove(worktree);
      commit.replyTo().tell(new Committed(head, files, null));
    } catch (RuntimeException e) {
      commit.replyTo().tell(new Committed(null, List.of(), "cannot commit the job's changes in "
          + worktree + ": " + e.getMessage()));
    }
    return Behaviors.same();
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
