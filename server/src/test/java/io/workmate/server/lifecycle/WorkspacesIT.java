package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.responses.ScriptedProvider;
import io.workmate.protocol.responses.ScriptedReply;
import io.workmate.workspaces.Git;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 16's acceptance on a real {@code serve}, real codex on the scripted provider and real
 * git: jobs on one repository at once, each in its own worktree and branch; a retry without the
 * failed attempt's leftovers; bad workspaces refused naming the field; a repository deleted
 * while its job waits. One service for all of it, to keep the CI time small.
 */
class WorkspacesIT {

  private static final Git GIT = new Git("git");
  private static final Duration JOB_WAIT = Duration.ofSeconds(120);

  @TempDir Path tmp;

  @Test
  void jobsOnOneRepositoryEachGetTheirOwnBranchAndDiffAndBadInputsAreRefused() throws Exception {
    GIT.checkVersion(); // fails with what to install when git is missing
    Path repos = Files.createDirectories(tmp.resolve("repos"));
    Path repo = repository(repos.resolve("project"));
    String mainHead = GIT.check(repo, "rev-parse", "HEAD").strip();
    // the user's own work in progress, which no job may touch
    Files.writeString(repo.resolve("shared.txt"), "alpha\nbeta\nuser's edit\n");
    Files.writeString(repo.resolve("scratch.txt"), "not committed\n");
    String userStatus = GIT.check(repo, "status", "--porcelain");

    Map<String, String> env = Map.of("WORKMATE_JOBS_MAX_CONCURRENT", "9",
        "WORKMATE_JOBS_BACKOFF_INITIAL", "200ms",
        "WORKMATE_WORKSPACES_ALLOWED_ROOTS", repos.toString());
    try (ServeProcess serve = ServeProcess.start(tmp, "workspaces", tmp.resolve("data"), env)) {
      await().atMost(Duration.ofSeconds(90)).until(() ->
          serve.call("GET", "/v1/ready", null).statusCode() == 200);

      // 7 jobs each adding a file, 1 editing a line of a shared file, 1 failing its first
      // attempt after writing a file: all at once
      List<String> adders = new ArrayList<>();
      for (int i = 1; i <= 7; i++) {
        adders.add(serve.submit(job(repo, "[[patch:file-" + i + ".txt:written by job " + i
            + "]]")));
      }
      String editor = serve.submit(job(repo, "[[edit:shared.txt:beta=>BETA]]"));
      String retried = serve.submit(job(repo,
          "[[patch:done.txt:finished]] [[fail_first:retry-" + tmp.getFileName() + ":half.txt]]"));
      List<String> all = new ArrayList<>(adders);
      all.add(editor);
      all.add(retried);
      await().atMost(JOB_WAIT).until(() -> {
        for (String id : all) {
          String status = serve.status(id);
          if (!status.equals("succeeded")) {
            assertFalse(status.equals("dead"), id + " died: " + serve.job(id));
            return false;
          }
        }
        return true;
      });

      for (int i = 0; i < adders.size(); i++) {
        String file = "file-" + (i + 1) + ".txt";
        assertOnlyChange(serve, repo, adders.get(i), file, 1, 0);
        assertTrue(diff(serve, adders.get(i)).contains("+written by job " + (i + 1)));
      }
      assertOnlyChange(serve, repo, editor, "shared.txt", 1, 1);
      String edit = diff(serve, editor);
      assertTrue(edit.contains("-beta") && edit.contains("+BETA"), edit);
      assertFalse(edit.contains("user's edit"), "the job started from the commit: " + edit);
      // the retried job: attempt 1 wrote half.txt and failed; the final diff has none of it
      assertEquals(2, serve.job(retried).path("attempts").asInt(), serve.job(retried).toString());
      assertOnlyChange(serve, repo, retried, "done.txt", 1, 0);
      assertFalse(diff(serve, retried).contains("half.txt"));

      // the repository's working tree, current branch and HEAD are as the user left them, and
      // no worktree of Workmate's is left
      assertEquals("main\n", GIT.check(repo, "branch", "--show-current"));
      assertEquals(mainHead, GIT.check(repo, "rev-parse", "HEAD").strip());
      assertEquals(userStatus, GIT.check(repo, "status", "--porcelain"));
      assertEquals(1, GIT.check(repo, "worktree", "list", "--porcelain").lines()
          .filter(line -> line.startsWith("worktree ")).count(),
          GIT.check(repo, "worktree", "list"));

      assertFollowUpsContinueTheBranchAndTheThread(serve, repo, adders.get(0));
      assertMergesTouchNoWorkingTree(serve, repo, adders.get(1), adders.get(2), adders.get(3),
          editor);
      assertEquals(userStatus, GIT.check(repo, "status", "--porcelain"));
      assertEquals(mainHead, GIT.check(repo, "rev-parse", "HEAD").strip());

      assertBadInputsAreRefused(serve, repo, repos);
      assertADeletedRepositoryFailsItsQueuedJob(serve, repos, repo);
      assertAFailedJobsKeptWorktreeShowsItsDiff(serve, repo);

      serve.signal("TERM");
      assertEquals(0, serve.awaitExit(Duration.ofSeconds(60)), serve.output());
    }
  }

  /**
   * {@code kill -9} while a job's first attempt has half-written its worktree: after the
   * restart the job runs again in a clean worktree, and once it succeeded no worktree of
   * Workmate's is left. The model runs in the test, so it outlives the killed service.
   */
  @Test
  void afterKillDashNineTheJobRetriesInACleanWorktreeAndLeavesNone() throws Exception {
    GIT.checkVersion();
    Path repos = Files.createDirectories(tmp.resolve("repos"));
    Path repo = repository(repos.resolve("crash"));
    Path data = tmp.resolve("data");
    try (ScriptedProvider model = ScriptedProvider.start()) {
      AtomicReference<String> firstThread = new AtomicReference<>();
      // the first attempt's thread writes half.txt, then its model hangs: the kill comes then
      model.setScript(request -> {
        if (request.threadId() == null || !request.lastUserText().contains("[[crash-test]]")) {
          return null;
        }
        firstThread.compareAndSet(null, request.threadId());
        if (!request.threadId().equals(firstThread.get())) {
          return null; // later attempts: the prompt's own directives
        }
        return request.isToolFollowUp() ? ScriptedReply.stall()
            : ScriptedReply.applyPatch("half.txt", "half done");
      });
      Map<String, String> env = Map.of("WORKMATE_AI_GATEWAY_URL", model.baseUrl(),
          "WORKMATE_AI_GATEWAY_KEY", "offline", "WORKMATE_JOBS_BACKOFF_INITIAL", "200ms",
          "WORKMATE_WORKSPACES_ALLOWED_ROOTS", repos.toString());
      String id;
      try (ServeProcess first = ServeProcess.start(tmp, "crash-1", data, env)) {
        id = first.submit(job(repo, "[[patch:done.txt:finished]] [[crash-test]]"));
        Path half = data.resolve("worktrees").resolve(id).resolve("half.txt");
        await().atMost(JOB_WAIT).until(() -> Files.exists(half) && model.requestCount() >= 2);
        first.signal("KILL");
        first.awaitExit(Duration.ofSeconds(30));
      }
      try (ServeProcess second = ServeProcess.start(tmp, "crash-2", data, env)) {
        await().atMost(JOB_WAIT).until(() -> second.status(id).equals("succeeded"));
        assertEquals(2, second.job(id).path("attempts").asInt(), second.job(id).toString());
        assertOnlyChange(second, repo, id, "done.txt", 1, 0);
        assertFalse(diff(second, id).contains("half"));
        assertFalse(Files.exists(data.resolve("worktrees").resolve(id)));
        assertEquals(1, GIT.check(repo, "worktree", "list", "--porcelain").lines()
            .filter(line -> line.startsWith("worktree ")).count(),
            GIT.check(repo, "worktree", "list"));
        second.signal("TERM");
        assertEquals(0, second.awaitExit(Duration.ofSeconds(60)), second.output());
      }
    }
  }

  @Test
  void serveStopsAtOnceWithoutGitOrWithAnyRepositoryOffLoopback() throws Exception {
    ServeProcess.Exited noGit = ServeProcess.runToExit(tmp, "no-git", tmp.resolve("data-1"),
        Map.of("WORKMATE_WORKSPACES_GIT", tmp.resolve("no-such-git").toString()),
        Duration.ofSeconds(60));
    assertEquals(3, noGit.exit(), noGit.err());
    assertTrue(noGit.workmateLines().stream().anyMatch(line -> line.contains("git is needed")
        && line.contains("install git 2.38 or newer")), noGit.err());
    ServeProcess.Exited open = ServeProcess.runToExit(tmp, "open", tmp.resolve("data-2"),
        Map.of("WORKMATE_HTTP_HOST", "0.0.0.0", "WORKMATE_API_TOKEN", "a-token"),
        Duration.ofSeconds(60));
    assertEquals(2, open.exit(), open.err());
    assertTrue(open.err().contains("workmate.workspaces.allowed-roots is \"any\""), open.err());
  }

  /**
   * A follow-up works on the same branch from the first job's head (its diff is only its own
   * change on top), and continues the same Codex thread ({@code [[recall]]} sees the first
   * prompt); a job has one follow-up, so a branch one job at a time.
   */
  private static void assertFollowUpsContinueTheBranchAndTheThread(ServeProcess serve,
      Path repo, String first) throws Exception {
    JsonNode before = serve.job(first).path("workspace");
    String review = followUp(serve, first,
        "[[edit:file-1.txt:written by job 1=>reviewed by job 1]]");
    await().atMost(JOB_WAIT).until(() -> serve.status(review).equals("succeeded"));
    JsonNode reviewed = serve.job(review).path("workspace");
    assertEquals(before.path("branch").asText(), reviewed.path("branch").asText());
    assertEquals(before.path("headCommit").asText(), reviewed.path("baseCommit").asText());
    assertEquals(first, reviewed.path("followUpOf").asText());
    assertOnlyChange(serve, repo, review, "file-1.txt", 1, 1, before.path("branch").asText());
    String diff = diff(serve, review);
    assertTrue(diff.contains("-written by job 1") && diff.contains("+reviewed by job 1"), diff);
    assertEquals(serve.job(first).path("threadId").asText(),
        serve.job(review).path("threadId").asText(), "the same Codex thread");

    String recall = followUp(serve, review, "[[recall]]");
    await().atMost(JOB_WAIT).until(() -> serve.status(recall).equals("succeeded"));
    String remembered = serve.job(recall).path("result").path("text").asText();
    assertTrue(remembered.contains("[[patch:file-1.txt:written by job 1]]")
        && remembered.contains("reviewed by job 1"), remembered);

    HttpResponse<String> again = serve.call("POST", "/v1/jobs/" + first + "/follow-up",
        "{\"prompt\": \"more\"}");
    assertEquals(409, again.statusCode(), again.body());
    assertTrue(again.body().contains(review), again.body());
  }

  /**
   * Merges change only the target branch: a fast-forward, a merge commit, a squash; a conflict
   * and a target checked out in the user's working tree are refused with 409, changing nothing.
   */
  private void assertMergesTouchNoWorkingTree(ServeProcess serve, Path repo, String second,
      String third, String fourth, String editor) throws Exception {
    HttpResponse<String> checkedOut = merge(serve, second, "main", "merge");
    assertEquals(409, checkedOut.statusCode(), checkedOut.body());
    assertTrue(checkedOut.body().contains("checked out"), checkedOut.body());

    GIT.check(repo, "branch", "integration", "main");
    HttpResponse<String> fastForward = merge(serve, second, "integration", "merge");
    assertEquals(200, fastForward.statusCode(), fastForward.body());
    assertTrue(ServeProcess.JSON.readTree(fastForward.body()).path("fastForward").asBoolean());
    assertEquals(serve.job(second).path("workspace").path("headCommit").asText(),
        GIT.check(repo, "rev-parse", "integration").strip());

    HttpResponse<String> merged = merge(serve, third, "integration", "merge");
    assertEquals(200, merged.statusCode(), merged.body());
    String mergeCommit = ServeProcess.JSON.readTree(merged.body()).path("commit").asText();
    assertEquals(mergeCommit, GIT.check(repo, "rev-parse", "integration").strip());
    assertEquals(3, GIT.check(repo, "rev-list", "--parents", "-n", "1", mergeCommit).strip()
        .split(" ").length, "a merge commit has two parents");
    HttpResponse<String> squashed = merge(serve, fourth, "integration", "squash");
    assertEquals(200, squashed.statusCode(), squashed.body());
    String squash = ServeProcess.JSON.readTree(squashed.body()).path("commit").asText();
    assertEquals(2, GIT.check(repo, "rev-list", "--parents", "-n", "1", squash).strip()
        .split(" ").length, "a squash has one parent");
    assertEquals("file-2.txt\nfile-3.txt\nfile-4.txt\nshared.txt\n",
        GIT.check(repo, "ls-tree", "--name-only", "integration"));

    // integration changes the line the editor job changed: the merge conflicts, nothing moves
    Path side = tmp.resolve("side");
    GIT.check(repo, "worktree", "add", "-q", side.toString(), "integration");
    Files.writeString(side.resolve("shared.txt"), "alpha\nBeta from integration\n");
    GIT.check(side, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q",
        "-am", "conflicting");
    GIT.check(repo, "worktree", "remove", side.toString());
    String tip = GIT.check(repo, "rev-parse", "integration").strip();
    HttpResponse<String> conflict = merge(serve, editor, "integration", "merge");
    assertEquals(409, conflict.statusCode(), conflict.body());
    JsonNode error = ServeProcess.JSON.readTree(conflict.body()).path("error");
    assertEquals("shared.txt", error.path("files").get(0).asText(), conflict.body());
    assertEquals(tip, GIT.check(repo, "rev-parse", "integration").strip());
  }

  private static String followUp(ServeProcess serve, String jobId, String prompt)
      throws Exception {
    HttpResponse<String> response = serve.call("POST", "/v1/jobs/" + jobId + "/follow-up",
        "{\"prompt\": \"" + prompt + "\"}");
    assertEquals(202, response.statusCode(), response.body());
    return ServeProcess.JSON.readTree(response.body()).path("id").asText();
  }

  private static HttpResponse<String> merge(ServeProcess serve, String jobId, String into,
      String strategy) throws Exception {
    return serve.call("POST", "/v1/jobs/" + jobId + "/merge",
        "{\"into\": \"" + into + "\", \"strategy\": \"" + strategy + "\"}");
  }

  private void assertBadInputsAreRefused(ServeProcess serve, Path repo, Path repos)
      throws Exception {
    Path notGit = Files.createDirectories(repos.resolve("plain"));
    Path outside = repository(tmp.resolve("outside"));
    Map<String, String> refusals = Map.of(
        "{\"repo\": \"relative/path\"}", "workspace.repo",
        "{\"repo\": \"" + notGit + "\"}", "workspace.repo",
        "{\"repo\": \"" + outside + "\"}", "workspace.repo",
        "{\"repo\": \"" + repos.resolve("missing") + "\"}", "workspace.repo",
        "{\"repo\": \"" + repo + "\", \"base\": \"no-such-ref\"}", "workspace.base",
        "{\"repo\": \"" + repo + "\", \"branch\": \"main\"}", "workspace.branch",
        "{\"repo\": \"" + repo + "\", \"branch\": \"bad..name\"}", "workspace.branch");
    for (Map.Entry<String, String> refusal : refusals.entrySet()) {
      HttpResponse<String> response = serve.call("POST", "/v1/jobs",
          "{\"prompt\": \"x\", \"workspace\": " + refusal.getKey() + "}");
      assertEquals(400, response.statusCode(), refusal.getKey() + ": " + response.body());
      JsonNode error = ServeProcess.JSON.readTree(response.body()).path("error");
      assertEquals("invalid_value", error.path("code").asText(), response.body());
      assertTrue(error.path("message").asText().startsWith("\"" + refusal.getValue() + "\""),
          refusal.getKey() + ": " + response.body());
    }
  }

  /**
   * A job waits behind another on an agent of one slot; its repository is deleted meanwhile:
   * it fails naming the repository, and the service goes on.
   */
  private void assertADeletedRepositoryFailsItsQueuedJob(ServeProcess serve, Path repos,
      Path other) throws Exception {
    HttpResponse<String> registered = serve.call("POST", "/v1/agents",
        "{\"id\": \"solo\", \"kind\": \"codex\", \"maxConcurrent\": 1}");
    assertEquals(201, registered.statusCode(), registered.body());
    String blocker = serve.submit("{\"prompt\": \"[[stall]]\", \"agent\": \"solo\"}");
    await().atMost(JOB_WAIT).until(() -> serve.status(blocker).equals("running"));
    Path doomed = repository(repos.resolve("doomed"));
    String waiting = serve.submit("{\"prompt\": \"[[patch:a.txt:a]]\", \"agent\": \"solo\", "
        + "\"maxAttempts\": 1, \"workspace\": {\"repo\": \"" + doomed + "\"}}");
    assertEquals("queued", serve.status(waiting));
    try (var paths = Files.walk(doomed)) {
      for (Path path : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.delete(path);
      }
    }
    assertEquals(200, serve.call("POST", "/v1/jobs/" + blocker + "/cancel", null).statusCode());
    await().atMost(JOB_WAIT).until(() -> serve.status(waiting).equals("dead"));
    String error = serve.job(waiting).path("error").asText();
    assertTrue(error.contains(doomed.toString()), error);
    // nothing else is affected: a job on another repository still runs
    String after = serve.submit(job(other, "[[patch:after.txt:still fine]]"));
    await().atMost(JOB_WAIT).until(() -> serve.status(after).equals("succeeded"));
  }

  /**
   * A job that failed for good keeps its worktree for inspection: its diff is what its attempt
   * left there (a committed job's is its branch's).
   */
  private void assertAFailedJobsKeptWorktreeShowsItsDiff(ServeProcess serve, Path repo)
      throws Exception {
    String failed = serve.submit("{\"prompt\": \"[[patch:never.txt:x]] [[fail_first:kept-"
        + tmp.getFileName() + ":left.txt]]\", \"maxAttempts\": 1, \"workspace\": "
        + "{\"repo\": \"" + repo + "\"}}");
    await().atMost(JOB_WAIT).until(() -> serve.status(failed).equals("dead"));
    HttpResponse<String> response = serve.call("GET", "/v1/jobs/" + failed + "/diff", null);
    assertEquals(200, response.statusCode(), response.body());
    assertEquals("worktree", response.headers().firstValue("X-Workmate-Diff-Of").orElse(""));
    assertTrue(response.body().contains("+++ b/left.txt"), response.body());
    assertFalse(response.body().contains("never.txt"), response.body());
  }

  private static void assertOnlyChange(ServeProcess serve, Path repo, String jobId, String file,
      int added, int removed) throws Exception {
    assertOnlyChange(serve, repo, jobId, file, added, removed, "workmate/" + jobId);
  }

  private static void assertOnlyChange(ServeProcess serve, Path repo, String jobId, String file,
      int added, int removed, String branch) throws Exception {
    JsonNode workspace = serve.job(jobId).path("workspace");
    assertEquals(branch, workspace.path("branch").asText(), workspace.toString());
    assertEquals(1, workspace.path("files").size(), workspace.toString());
    JsonNode changed = workspace.path("files").get(0);
    assertEquals(file, changed.path("path").asText(), workspace.toString());
    assertEquals(added, changed.path("added").asInt(), workspace.toString());
    assertEquals(removed, changed.path("removed").asInt(), workspace.toString());
    assertEquals(workspace.path("headCommit").asText(),
        GIT.check(repo, "rev-parse", "refs/heads/" + branch).strip());
    String diff = diff(serve, jobId);
    assertEquals(1, diff.lines().filter(line -> line.startsWith("diff --git")).count(), diff);
    assertTrue(diff.startsWith("diff --git a/" + file + " b/" + file), diff);
  }

  private static String diff(ServeProcess serve, String jobId) throws Exception {
    HttpResponse<String> response = serve.call("GET", "/v1/jobs/" + jobId + "/diff", null);
    assertEquals(200, response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("Content-Type").orElse("")
        .startsWith("text/x-diff"), response.headers().toString());
    assertEquals("branch", response.headers().firstValue("X-Workmate-Diff-Of").orElse(""));
    return response.body();
  }

  private static String job(Path repo, String prompt) {
    return "{\"prompt\": \"" + prompt + "\", \"workspace\": {\"repo\": \"" + repo + "\"}}";
  }

  private static Path repository(Path dir) throws Exception {
    Files.createDirectories(dir);
    GIT.check(dir, "init", "-q", "-b", "main");
    Files.writeString(dir.resolve("shared.txt"), "alpha\nbeta\n");
    GIT.check(dir, "add", "-A");
    GIT.check(dir, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m",
        "init");
    return dir;
  }
}
