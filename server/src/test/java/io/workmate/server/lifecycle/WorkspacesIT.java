package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.workspaces.Git;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
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

      assertBadInputsAreRefused(serve, repo, repos);
      assertADeletedRepositoryFailsItsQueuedJob(serve, repos, repo);

      serve.signal("TERM");
      assertEquals(0, serve.awaitExit(Duration.ofSeconds(60)), serve.output());
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

  private static void assertOnlyChange(ServeProcess serve, Path repo, String jobId, String file,
      int added, int removed) throws Exception {
    JsonNode workspace = serve.job(jobId).path("workspace");
    String branch = "workmate/" + jobId;
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
