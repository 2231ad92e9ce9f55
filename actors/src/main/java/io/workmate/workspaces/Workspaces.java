package io.workmate.workspaces;

import io.workmate.support.BlockingThreads;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.stream.Stream;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

/**
 * Job workspaces: git worktrees under {@link WorkspaceSettings#root}, one directory per job. It
 * checks repositories named in submissions, routes every git operation to the
 * {@link RepositoryGit} child of its repository (one per repository, so a repository's
 * operations are serialized), and sweeps the worktrees of jobs that ended
 * ({@link WorktreeRetention}) at start and then periodically. Runs on the blocking dispatcher
 * (it reads directories; its children run git).
 */
public final class Workspaces {

  /** The sweep's period is a quarter of keep-for, within these bounds. */
  static final Duration MIN_SWEEP = Duration.ofSeconds(1);
  static final Duration MAX_SWEEP = Duration.ofMinutes(10);

  public sealed interface Command {}

  /** Checks a submission's workspace; the answer names the refused field, if any. */
  public record Validate(String repo, String base, String branch, ActorRef<Validated> replyTo)
      implements Command {}

  /** A clean worktree for an attempt of {@code jobId} ({@link RepositoryGit.Prepare}). */
  public record Prepare(String jobId, String repo, String branch, String baseCommit,
      ActorRef<Prepared> replyTo) implements Command {}

  /** Commits the job's changes on its branch and removes its worktree. */
  public record Commit(String jobId, String repo, String baseCommit, ActorRef<Committed> replyTo)
      implements Command {}

  /** The unified diff {@code base}..{@code head} of {@code repo}. */
  public record Diff(String repo, String base, String head, ActorRef<DiffText> replyTo)
      implements Command {}

  /**
   * The unified diff from {@code base} to what is in the job's worktree now, committed or not,
   * new files included: a running job's work so far, or what a failed one left, while its
   * worktree is kept. {@link DiffText#error()} when the job has no worktree on this node.
   */
  public record WorktreeDiff(String jobId, String base, ActorRef<DiffText> replyTo)
      implements Command {}

  /**
   * Merges the job's {@code branch} into the branch {@code into} of {@code repo}, touching no
   * working tree: {@code strategy} {@code merge} (a fast-forward when possible) or
   * {@code squash} (one commit on top of {@code into}).
   */
  public record Merge(String jobId, String repo, String branch, String into, String strategy,
      ActorRef<Merged> replyTo) implements Command {}

  /** Looks at every worktree under the root now (also what the periodic timer sends). */
  public record Sweep() implements Command {}

  private record OwnerFound(Path worktree, WorktreeRetention.Owner owner, Instant decidedAt)
      implements Command {}

  /** The answer to {@link Validate}: the checked repository and commit, or a refusal. */
  public record Validated(String repo, String baseCommit, String field, String message) {
    Validated(String baseCommit, String field, String message) {
      this(null, baseCommit, field, message);
    }

    static Validated refused(String field, String message) {
      return new Validated(null, null, field, message);
    }

    public boolean ok() {
      return field == null;
    }

    Validated withRepo(String path) {
      return new Validated(path, baseCommit, field, message);
    }
  }

  /** The answer to {@link Prepare}: the worktree, or why there is none. */
  public record Prepared(Path worktree, String error) {}

  /** The answer to {@link Commit}: the branch's head and the files changed since the base. */
  public record Committed(String headCommit, List<ChangedFile> files, String error) {}

  /** One file changed: lines added and removed, -1 each for a binary file. */
  public record ChangedFile(String path, int added, int removed) {}

  /**
   * The answer to {@link Merge}: {@code commit} now at the target's tip; else {@code refused}
   * (the target branch does not exist) or {@code conflict} with the conflicting {@code files}
   * (none when the refusal is not about files: the target is checked out, it moved). Nothing
   * is changed unless {@code commit} is set.
   */
  public record Merged(String commit, boolean fastForward, String how, String refused,
      String conflict, List<String> files) {
    static Merged done(String commit, boolean fastForward, String how) {
      return new Merged(commit, fastForward, how, null, null, List.of());
    }

    static Merged refused(String why) {
      return new Merged(null, false, null, why, null, List.of());
    }

    static Merged conflict(String why, List<String> files) {
      return new Merged(null, false, null, null, why, List.copyOf(files));
    }
  }

  /** The answer to {@link Diff}. */
  public record DiffText(String text, String error) {}

  /** Where the job owning a worktree stands, from the job queue. */
  @FunctionalInterface
  public interface JobLookup {
    CompletionStage<WorktreeRetention.Owner> ownerOf(String jobId);
  }

  /**
   * Spawn with {@link BlockingThreads#dispatcher}. {@code git} must have passed
   * {@link Git#checkVersion()}.
   */
  public static Behavior<Command> create(WorkspaceSettings settings, JobLookup jobs,
      Clock clock) {
    return Behaviors.setup(context -> Behaviors.withTimers(timers ->
        new Workspaces(context, timers, settings, jobs, clock).serving()));
  }

  private final ActorContext<Command> context;
  private final WorkspaceSettings settings;
  private final JobLookup jobs;
  private final Clock clock;
  private final Git git;
  private final Map<Path, ActorRef<RepositoryGit.Command>> repositories = new HashMap<>();

  private Workspaces(ActorContext<Command> context, TimerScheduler<Command> timers,
      WorkspaceSettings settings, JobLookup jobs, Clock clock) {
    this.context = context;
    this.settings = settings;
    this.jobs = jobs;
    this.clock = clock;
    this.git = new Git(settings.gitBinary());
    Duration period = settings.keepFor().dividedBy(4);
    period = period.compareTo(MIN_SWEEP) < 0 ? MIN_SWEEP
        : period.compareTo(MAX_SWEEP) > 0 ? MAX_SWEEP : period;
    timers.startTimerWithFixedDelay("sweep", new Sweep(), Duration.ZERO, period);
  }

  private Behavior<Command> serving() {
    return Behaviors.receive(Command.class)
        .onMessage(Validate.class, this::onValidate)
        .onMessage(Prepare.class, prepare -> {
          repository(Path.of(prepare.repo())).tell(new RepositoryGit.Prepare(
              worktreeOf(prepare.jobId()), prepare.branch(), prepare.baseCommit(),
              prepare.replyTo()));
          return Behaviors.same();
        })
        .onMessage(Commit.class, commit -> {
          repository(Path.of(commit.repo())).tell(new RepositoryGit.Commit(
              worktreeOf(commit.jobId()), commit.baseCommit(), settings.messageOf(commit.jobId()),
              settings.authorName(), settings.authorEmail(), commit.replyTo()));
          return Behaviors.same();
        })
        .onMessage(Diff.class, diff -> {
          repository(Path.of(diff.repo())).tell(new RepositoryGit.Diff(diff.base(), diff.head(),
              diff.replyTo()));
          return Behaviors.same();
        })
        .onMessage(WorktreeDiff.class, this::onWorktreeDiff)
        .onMessage(Merge.class, merge -> {
          repository(Path.of(merge.repo())).tell(new RepositoryGit.Merge(merge.branch(),
              merge.into(), merge.strategy(), "Merge " + merge.branch() + " into "
                  + merge.into() + " (" + settings.messageOf(merge.jobId()) + ")",
              settings.authorName(), settings.authorEmail(), merge.replyTo()));
          return Behaviors.same();
        })
        .onMessage(Sweep.class, sweep -> onSweep())
        .onMessage(OwnerFound.class, this::onOwnerFound)
        .build();
  }

  private Behavior<Command> onValidate(Validate validate) {
    String refusal = RepositoryPaths.refusal(validate.repo(), settings.allowedRoots());
    if (refusal != null) {
      validate.replyTo().tell(Validated.refused("repo", refusal));
      return Behaviors.same();
    }
    Path real = RepositoryPaths.real(validate.repo());
    // reads only: beside the repository's queue of worktree adds and commits, not behind it
    ActorRef<Validated> replyTo = validate.replyTo();
    CompletableFuture.supplyAsync(() -> RepositoryGit.validate(git, real, validate.base(),
            validate.branch()).withRepo(real.toString()),
        BlockingThreads.executor(context.getSystem()))
        .whenComplete((answer, failure) -> replyTo.tell(answer != null ? answer
            : Validated.refused("repo", "cannot check " + real + ": " + failure)));
    return Behaviors.same();
  }

  private Behavior<Command> onWorktreeDiff(WorktreeDiff diff) {
    Path worktree = worktreeOf(diff.jobId());
    ActorRef<DiffText> replyTo = diff.replyTo();
    if (!Files.exists(worktree.resolve(".git"))) {
      replyTo.tell(new DiffText(null, "it has no worktree on this node now"));
      return Behaviors.same();
    }
    // reads the worktree (and a throwaway index): beside every repository's queue
    CompletableFuture.supplyAsync(() -> RepositoryGit.worktreeDiff(git, worktree, diff.base()),
            BlockingThreads.executor(context.getSystem()))
        .whenComplete((text, failure) -> replyTo.tell(text != null ? text
            : new DiffText(null, "cannot diff " + worktree + ": "
                + RepositoryGit.causeOf(failure).getMessage())));
    return Behaviors.same();
  }

  private Behavior<Command> onSweep() {
    if (!Files.isDirectory(settings.root())) {
      return Behaviors.same();
    }
    Instant now = clock.instant();
    try (Stream<Path> entries = Files.list(settings.root())) {
      for (Path worktree : entries.filter(Files::isDirectory).toList()) {
        String jobId = worktree.getFileName().toString();
        context.pipeToSelf(jobs.ownerOf(jobId), (owner, failure) ->
            new OwnerFound(worktree, failure == null ? owner : null, now));
      }
    } catch (IOException e) {
      context.getLog().warn("cannot list the worktrees in {}: {}", settings.root(),
          e.getMessage());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onOwnerFound(OwnerFound found) {
    if (found.owner() == null
        || !WorktreeRetention.remove(found.owner(), found.decidedAt(), settings.keepFor())) {
      return Behaviors.same(); // the job queue did not answer: look again at the next sweep
    }
    Path repo = found.owner().repo() != null ? Path.of(found.owner().repo())
        : RepositoryPaths.repositoryOf(found.worktree());
    if (repo != null && Files.isDirectory(repo)) {
      repository(repo).tell(new RepositoryGit.Remove(found.worktree(), found.decidedAt()));
    } else {
      try {
        RepositoryGit.deleteTree(found.worktree()); // its repository is gone
      } catch (IOException e) {
        context.getLog().warn("cannot delete {}: {}", found.worktree(), e.getMessage());
      }
    }
    return Behaviors.same();
  }

  private Path worktreeOf(String jobId) {
    return settings.root().resolve(jobId);
  }

  private ActorRef<RepositoryGit.Command> repository(Path repo) {
    return repositories.computeIfAbsent(repo, path -> context.spawn(
        RepositoryGit.create(path, git, clock), "repo-" + digest(path.toString()),
        BlockingThreads.dispatcher(context.getSystem())));
  }

  private static String digest(String text) {
    try {
      byte[] hash = MessageDigest.getInstance("SHA-256")
          .digest(text.getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(hash, 0, 8);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Paths of repositories: the checks a submission needs before any git runs. */
  static final class RepositoryPaths {

    private RepositoryPaths() {}

    /** Why {@code repo} cannot be used (not absolute, not a directory, not allowed), or null. */
    static String refusal(String repo, List<Path> allowedRoots) {
      Path path;
      try {
        path = Path.of(repo);
      } catch (InvalidPathException e) {
        return "'" + repo + "' is not a path: " + e.getMessage();
      }
      if (!path.isAbsolute()) {
        return "must be an absolute path, not '" + repo + "'";
      }
      if (!Files.isDirectory(path)) {
        return repo + " is not a directory";
      }
      Path real = real(repo);
      if (!allowedRoots.isEmpty()
          && allowedRoots.stream().noneMatch(root -> real.startsWith(realOrSelf(root)))) {
        return repo + " is outside workmate.workspaces.allowed-roots ("
            + String.join(", ", allowedRoots.stream().map(Path::toString).toList()) + ")";
      }
      return null;
    }

    /** The path with every symbolic link resolved (so a link cannot lead out of a root). */
    static Path real(String repo) {
      return realOrSelf(Path.of(repo));
    }

    private static Path realOrSelf(Path path) {
      try {
        return path.toRealPath();
      } catch (IOException e) {
        return path.toAbsolutePath().normalize();
      }
    }

    /**
     * The repository of a worktree, from its {@code .git} file ({@code gitdir:
     * <repo>/.git/worktrees/<name>}), or null when it does not say.
     */
    static Path repositoryOf(Path worktree) {
      try {
        String line = Files.readString(worktree.resolve(".git")).strip();
        if (!line.startsWith("gitdir:")) {
          return null;
        }
        Path common = Path.of(line.substring("gitdir:".length()).strip()).getParent();
        Path gitDir = common == null ? null : common.getParent();
        if (gitDir == null) {
          return null;
        }
        return gitDir.getFileName().toString().equals(".git") ? gitDir.getParent() : gitDir;
      } catch (IOException | InvalidPathException e) {
        return null;
      }
    }
  }
}
