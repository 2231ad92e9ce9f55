package io.workmate.workspaces;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.workspaces.WorktreeRetention.Owner;
import io.workmate.workspaces.WorktreeRetention.State;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The workspaces actors against the real git CLI, on a scratch repository. */
class WorkspacesTest {

  private static final ActorTestKit testKit = ActorTestKit.create();
  private static final Git GIT = new Git("git");

  @TempDir Path dir;
  private Path repo;
  private Path root;
  private String baseCommit;
  /** The job queue as the sweep sees it: job id to where it stands (absent: unknown). */
  private final Map<String, Owner> jobs = new ConcurrentHashMap<>();

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @BeforeEach
  void repository() throws IOException {
    GIT.checkVersion(); // fails with what to install when git is missing or too old
    repo = Files.createDirectories(dir.resolve("repo"));
    root = dir.resolve("data/worktrees");
    GIT.check(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("shared.txt"), "one\ntwo\n");
    Files.writeString(repo.resolve(".gitignore"), "*.log\n");
    GIT.check(repo, "add", "-A");
    GIT.check(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q",
        "-m", "init");
    baseCommit = GIT.check(repo, "rev-parse", "HEAD").strip();
  }

  private ActorRef<Workspaces.Command> workspaces(List<Path> allowedRoots, Duration keepFor) {
    WorkspaceSettings settings = WorkspaceSettings.of(root).withAllowedRoots(allowedRoots)
        .withKeepFor(keepFor);
    return testKit.spawn(Workspaces.create(settings, jobId -> CompletableFuture.completedFuture(
        jobs.getOrDefault(jobId, Owner.unknown())), Clock.systemUTC()));
  }

  private Workspaces.Validated validate(ActorRef<Workspaces.Command> workspaces, String repoPath,
      String base, String branch) {
    TestProbe<Workspaces.Validated> probe = testKit.createTestProbe();
    workspaces.tell(new Workspaces.Validate(repoPath, base, branch, probe.getRef()));
    return probe.receiveMessage(Duration.ofSeconds(10));
  }

  @Test
  void submissionsAreCheckedAndEachRefusalNamesItsField() throws IOException {
    ActorRef<Workspaces.Command> workspaces = workspaces(List.of(dir), Duration.ofDays(1));
    Workspaces.Validated ok = validate(workspaces, repo.toString(), "HEAD", null);
    assertTrue(ok.ok(), ok.toString());
    assertEquals(baseCommit, ok.baseCommit());
    assertEquals(repo.toRealPath().toString(), ok.repo());
    assertEquals("repo", validate(workspaces, "relative/repo", "HEAD", null).field());
    assertEquals("repo", validate(workspaces, dir.resolve("absent").toString(), "HEAD", null)
        .field());
    Path notGit = Files.createDirectories(dir.resolve("plain"));
    assertEquals("repo", validate(workspaces, notGit.toString(), "HEAD", null).field());
    Path inside = Files.createDirectories(repo.resolve("sub"));
    Workspaces.Validated sub = validate(workspaces, inside.toString(), "HEAD", null);
    assertEquals("repo", sub.field(), sub.toString());
    assertEquals("base", validate(workspaces, repo.toString(), "no-such-ref", null).field());
    assertEquals("branch", validate(workspaces, repo.toString(), "HEAD", "main").field());
    assertEquals("branch", validate(workspaces, repo.toString(), "HEAD", "bad..name").field());
    assertTrue(validate(workspaces, repo.toString(), "main", "feature/x").ok());
    // outside the allowed roots, also through a symbolic link that leads out of them
    ActorRef<Workspaces.Command> narrow = workspaces(List.of(dir.resolve("elsewhere")),
        Duration.ofDays(1));
    Workspaces.Validated outside = validate(narrow, repo.toString(), "HEAD", null);
    assertEquals("repo", outside.field());
    assertTrue(outside.message().contains("allowed-roots"), outside.message());
    Path link = Files.createDirectories(dir.resolve("elsewhere")).resolve("link");
    Files.createSymbolicLink(link, repo);
    assertEquals("repo", validate(narrow, link.toString(), "HEAD", null).field());
  }

  @Test
  void aRetryStartsFromACleanWorktreeAndTheCommitHoldsOnlyTheLastAttempt() throws IOException {
    ActorRef<Workspaces.Command> workspaces = workspaces(List.of(), Duration.ofDays(1));
    Path worktree = prepare(workspaces, "job-1", "workmate/job-1");
    assertEquals("one\ntwo\n", Files.readString(worktree.resolve("shared.txt")));
    // attempt 1 leaves edits, a new file, an ignored file and a commit of its own
    Files.writeString(worktree.resolve("shared.txt"), "changed\n");
    Files.writeString(worktree.resolve("half.txt"), "half done\n");
    Files.writeString(worktree.resolve("build.log"), "ignored\n");
    Files.writeString(worktree.resolve("committed.txt"), "by the agent\n");
    GIT.check(worktree, "add", "committed.txt");
    GIT.check(worktree, "-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "-q",
        "-m", "agent's own");
    // attempt 2 starts from the base commit, without any of it
    assertEquals(worktree, prepare(workspaces, "job-1", "workmate/job-1"));
    assertEquals("one\ntwo\n", Files.readString(worktree.resolve("shared.txt")));
    assertFalse(Files.exists(worktree.resolve("half.txt")));
    assertFalse(Files.exists(worktree.resolve("build.log")));
    assertFalse(Files.exists(worktree.resolve("committed.txt")));
    Files.writeString(worktree.resolve("shared.txt"), "one\nTWO\n");
    Files.writeString(worktree.resolve("new.txt"), "a\nb\n");

    TestProbe<Workspaces.Committed> committed = testKit.createTestProbe();
    workspaces.tell(new Workspaces.Commit("job-1", repo.toString(), baseCommit,
        committed.getRef()));
    Workspaces.Committed result = committed.receiveMessage(Duration.ofSeconds(20));
    assertNull(result.error());
    assertNotEquals(baseCommit, result.headCommit());
    assertEquals(List.of(new Workspaces.ChangedFile("new.txt", 2, 0),
        new Workspaces.ChangedFile("shared.txt", 1, 1)), result.files());
    assertFalse(Files.exists(worktree), "a committed worktree is removed");
    assertEquals(result.headCommit(),
        GIT.check(repo, "rev-parse", "refs/heads/workmate/job-1").strip());
    assertEquals("Workmate job job-1\n", GIT.check(repo, "log", "-1", "--format=%B",
        "workmate/job-1").replaceAll("\n+$", "\n"));
    assertEquals("Workmate <workmate@localhost>\n",
        GIT.check(repo, "log", "-1", "--format=%an <%ae>", "workmate/job-1"));
    // the repository's own working tree and branch are untouched
    assertEquals("main\n", GIT.check(repo, "branch", "--show-current"));
    assertEquals("", GIT.check(repo, "status", "--porcelain"));

    TestProbe<Workspaces.DiffText> diff = testKit.createTestProbe();
    workspaces.tell(new Workspaces.Diff(repo.toString(), baseCommit, result.headCommit(),
        diff.getRef()));
    String text = diff.receiveMessage(Duration.ofSeconds(10)).text();
    assertTrue(text.contains("+++ b/new.txt") && text.contains("-two") && text.contains("+TWO"),
        text);
  }

  @Test
  void aCheckedOutIndexIsTrustedAtOnceAndAnEditOfTheSameSizeRightAfterIsStillSeen()
      throws IOException {
    ActorRef<Workspaces.Command> workspaces = workspaces(List.of(), Duration.ofDays(1));
    Path worktree = prepare(workspaces, "job-racy", "workmate/job-racy");
    assertNoRacilyCleanEntries(worktree);
    // the agent's edit in the same second: same size, so only the file's time can tell
    Files.writeString(worktree.resolve("shared.txt"), "one\nTWO\n");
    assertEquals(" M shared.txt", GIT.run(worktree, Map.of("GIT_OPTIONAL_LOCKS", "0"), "status",
        "--porcelain").out().stripTrailing());

    assertEquals(worktree, prepare(workspaces, "job-racy", "workmate/job-racy")); // a retry's
    assertNoRacilyCleanEntries(worktree);
    Files.writeString(worktree.resolve("shared.txt"), "ONE\ntwo\n");
    assertEquals(" M shared.txt", GIT.check(worktree, "status", "--porcelain").stripTrailing());
  }

  /**
   * Every entry of the worktree's index is older, in whole seconds, than the index itself, so
   * a status trusts its stat data instead of hashing the file (git's "racily clean" check).
   */
  private static void assertNoRacilyCleanEntries(Path worktree) throws IOException {
    Path index = worktree.resolve(GIT.check(worktree, "rev-parse", "--git-path", "index")
        .strip());
    long indexSeconds = Files.getLastModifiedTime(index).toInstant().getEpochSecond();
    List<String> mtimes = GIT.check(worktree, "ls-files", "--debug").lines()
        .map(String::strip).filter(line -> line.startsWith("mtime:")).toList();
    assertEquals(2, mtimes.size(), "both files of the base are in the index");
    for (String mtime : mtimes) {
      long seconds = Long.parseLong(mtime.substring("mtime:".length()).strip().split(":")[0]);
      assertTrue(seconds < indexSeconds, "entry " + mtime + " is racily clean against the "
          + "index's " + indexSeconds + ": every status would hash the file again");
    }
  }

  @Test
  void theChangedFilesCountFromTheBaseWhateverTheAgentCommittedItself() throws IOException {
    ActorRef<Workspaces.Command> workspaces = workspaces(List.of(), Duration.ofDays(1));
    // the agent commits one file on its own and leaves another uncommitted: both are the job's
    Path worktree = prepare(workspaces, "job-own", "workmate/job-own");
    Files.writeString(worktree.resolve("mine.txt"), "1\n2\n3\n");
    GIT.check(worktree, "add", "mine.txt");
    GIT.check(worktree, "-c", "user.name=a", "-c", "user.email=a@example.com", "commit", "-q",
        "-m", "agent's own");
    Files.writeString(worktree.resolve("shared.txt"), "one\n");
    Workspaces.Committed own = commit(workspaces, "job-own");
    assertNull(own.error());
    assertEquals(List.of(new Workspaces.ChangedFile("mine.txt", 3, 0),
        new Workspaces.ChangedFile("shared.txt", 0, 1)), own.files());
    assertEquals(own.headCommit(),
        GIT.check(repo, "rev-parse", "refs/heads/workmate/job-own").strip());

    // an agent that changed nothing: the branch stays at the base, no files
    prepare(workspaces, "job-idle", "workmate/job-idle");
    Workspaces.Committed idle = commit(workspaces, "job-idle");
    assertNull(idle.error());
    assertEquals(baseCommit, idle.headCommit());
    assertEquals(List.of(), idle.files());
  }

  @Test
  void aWorktreeDiffShowsEverythingInTheWorktreeAndLeavesItsIndexAlone() throws IOException {
    ActorRef<Workspaces.Command> workspaces = workspaces(List.of(), Duration.ofDays(1));
    TestProbe<Workspaces.DiffText> diff = testKit.createTestProbe();
    workspaces.tell(new Workspaces.WorktreeDiff("job-none", baseCommit, diff.getRef()));
    assertTrue(diff.receiveMessage(Duration.ofSeconds(10)).error().contains("no worktree"));

    Path worktree = prepare(workspaces, "job-wip", "workmate/job-wip");
    Files.writeString(worktree.resolve("shared.txt"), "one\nTWO\n");
    Files.writeString(worktree.resolve("new.txt"), "brand new\n");
    Files.writeString(worktree.resolve("staged.txt"), "staged\n");
    GIT.check(worktree, "add", "staged.txt");
    String status = GIT.check(worktree, "status", "--porcelain");

    workspaces.tell(new Workspaces.WorktreeDiff("job-wip", baseCommit, diff.getRef()));
    Workspaces.DiffText text = diff.receiveMessage(Duration.ofSeconds(20));
    assertNull(text.error());
    assertTrue(text.text().contains("-two") && text.text().contains("+TWO"), text.text());
    assertTrue(text.text().contains("+++ b/new.txt"), "untracked files too: " + text.text());
    assertTrue(text.text().contains("+++ b/staged.txt"), text.text());
    assertEquals(status, GIT.check(worktree, "status", "--porcelain"),
        "the worktree's own index is untouched");
  }

  private Workspaces.Committed commit(ActorRef<Workspaces.Command> workspaces, String jobId) {
    TestProbe<Workspaces.Committed> committed = testKit.createTestProbe();
    workspaces.tell(new Workspaces.Commit(jobId, repo.toString(), baseCommit,
        committed.getRef()));
    return committed.receiveMessage(Duration.ofSeconds(20));
  }

  @Test
  void theSweepRemovesWorktreesOfUnknownSucceededAndLongEndedJobsOnly() throws IOException {
    ActorRef<Workspaces.Command> workspaces = workspaces(List.of(), Duration.ofHours(1));
    Path running = prepare(workspaces, "job-running", "b/running");
    Path dead = prepare(workspaces, "job-dead", "b/dead");
    Path gone = prepare(workspaces, "job-gone", "b/gone");
    Path endedLongAgo = prepare(workspaces, "job-old", "b/old");
    jobs.put("job-running", new Owner(State.ACTIVE, null, repo.toString()));
    jobs.put("job-dead", new Owner(State.ENDED, java.time.Instant.now(), repo.toString()));
    jobs.put("job-old", new Owner(State.ENDED, java.time.Instant.now().minus(Duration.ofHours(2)),
        null));
    workspaces.tell(new Workspaces.Sweep());
    await().atMost(Duration.ofSeconds(20)).until(() -> !Files.exists(gone)
        && !Files.exists(endedLongAgo));
    assertTrue(Files.exists(running));
    assertTrue(Files.exists(dead));
    String listed = GIT.check(repo, "worktree", "list", "--porcelain");
    assertFalse(listed.contains("job-gone") || listed.contains("job-old"), listed);
    assertTrue(listed.contains("job-running") && listed.contains("job-dead"), listed);
  }

  private Path prepare(ActorRef<Workspaces.Command> workspaces, String jobId, String branch) {
    TestProbe<Workspaces.Prepared> prepared = testKit.createTestProbe();
    workspaces.tell(new Workspaces.Prepare(jobId, repo.toString(), branch, baseCommit,
        prepared.getRef()));
    Workspaces.Prepared answer = prepared.receiveMessage(Duration.ofSeconds(20));
    assertNull(answer.error());
    assertEquals(branch + "\n", GIT.check(answer.worktree(), "branch", "--show-current"));
    return answer.worktree();
  }
}
