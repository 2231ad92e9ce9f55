package io.workmate.server.dashboard;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.server.lifecycle.ServeProcess;
import io.workmate.workspaces.Git;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.support.ui.Select;

/**
 * The dashboard in a real headless Chromium against a real {@code bin/workmate serve} running the
 * real codex on the scripted provider: one service and one browser for the class. The codex
 * agent runs one job at a time, so a job submitted behind another is seen queued.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class DashboardIT {

  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir static Path tmp;
  private static ServeProcess serve;
  private static Browser browser;
  private static Path data;

  @BeforeAll
  static void start() throws Exception {
    data = tmp.resolve("data");
    serve = ServeProcess.start(tmp, "dashboard", data, Map.of("WORKMATE_MODE", "auto",
        "WORKMATE_JOBS_MAX_CONCURRENT", "1", "WORKMATE_JOBS_ECHO_AGENT", "on"));
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (serve != null) {
      serve.close();
    }
  }

  @Test
  @Order(1)
  void theOverviewShowsTheModeAndSwitchingToOfflineChangesTheService() throws Exception {
    browser.open(serve.url() + "/");
    browser.awaitText("#mode-requested", "auto");
    browser.awaitText("#queue", "Queued");
    assertEquals("Workmate", browser.driver.getTitle());

    new Select(browser.find("#mode-select")).selectByValue("offline");
    browser.click("#mode-apply");

    browser.awaitText("#mode-requested", "offline");
    assertEquals("offline", serve.get("/v1/mode").path("requested").asText());
    browser.awaitText("#mode-effective", "offline");
  }

  @Test
  @Order(2)
  void aJobSubmittedInThePageGoesQueuedRunningSucceededWithItsTextStreamed() throws Exception {
    // the agent's one slot is taken for a few seconds: the page's job waits queued
    String blocker = serve.submit("{\"prompt\":\"[[chunks:10]][[delay:300]][[reply:the "
        + "blocker is done]]\"}");
    await().atMost(WAIT).until(() -> serve.status(blocker).equals("running"));
    browser.open(serve.url() + "/#/jobs");
    browser.script("window.noReload = true; window.seen = [];"
        + "new MutationObserver(() => {"
        + "  const s = document.querySelector('#job-status [data-status]');"
        + "  if (s && window.seen[window.seen.length - 1] !== s.dataset.status)"
        + "    window.seen.push(s.dataset.status);"
        + "}).observe(document.body, {subtree: true, childList: true, attributes: true});");
    browser.type("#submit-prompt", "[[chunks:12]][[delay:150]][[reply:the page streams these "
        + "words while the model types them]]");
    browser.click("#submit-button");

    browser.awaitText("#job-status", "succeeded");
    browser.awaitText("#job-stream", "the page streams these words while the model types them");
    assertEquals(List.of("queued", "running", "succeeded"), browser.script("return window.seen"));
    assertEquals(Boolean.TRUE, browser.script("return window.noReload"),
        "the page was reloaded");
    String id = browser.driver.getCurrentUrl().replaceAll(".*#/jobs/", "");
    assertEquals("succeeded", serve.status(id));
    browser.awaitText("#job-history", "succeeded");
    browser.screenshots("job", "#job-history table");
  }

  @Test
  @Order(3)
  void formErrorsAreTheApisOwnMessage() throws Exception {
    HttpResponse<String> api = serve.call("POST", "/v1/jobs",
        "{\"prompt\":\"x\",\"priority\":5000}");
    assertEquals(400, api.statusCode());
    String message = ServeProcessJson.message(api.body());

    browser.open(serve.url() + "/#/jobs");
    browser.type("#submit-prompt", "x");
    browser.type("#submit-priority", "5000");
    browser.click("#submit-button");

    assertEquals(message, browser.awaitText("#submit-error", "priority"));
  }

  @Test
  @Order(4)
  void acceptingAnApprovalInThePageLetsTheJobFinish() throws Exception {
    String id = submitInPage("[[exec:touch accepted-in-page.txt && echo made-by-the-page]]");
    browser.awaitText("#approval-summary", "accepted-in-page.txt");
    browser.awaitText("#approval-count", "1");
    browser.click("#approval-accept");

    browser.awaitText("#job-status", "succeeded");
    browser.awaitText("#job-stream", "made-by-the-page");
    assertEquals("succeeded", serve.status(id));
    assertTrue(Files.exists(data.resolve("jobs/accepted-in-page.txt")));
    browser.awaitText("#approval-count", "0");
  }

  @Test
  @Order(5)
  void decliningAnApprovalInThePageEndsTheJobAsTheApiWould() throws Exception {
    // the same decision through the API first: what the page must do alike
    String twin = serve.submit("{\"prompt\":\"[[exec:touch declined-by-api.txt]]\","
        + "\"approval\":\"untrusted\"}");
    String approval = awaitApprovalOf(twin);
    assertEquals(200, serve.call("POST", "/v1/approvals/" + approval,
        "{\"decision\":\"decline\"}").statusCode());
    JsonNode declined = awaitTerminal(twin);

    String id = submitInPage("[[exec:touch declined-in-page.txt]]");
    browser.awaitText("#approval-summary", "declined-in-page.txt");
    browser.click("#approval-decline");

    browser.awaitText("#job-status", declined.path("status").asText());
    JsonNode job = awaitTerminal(id);
    assertEquals(declined.path("status").asText(), job.path("status").asText());
    assertEquals(declined.path("error").asText(""), job.path("error").asText(""));
    assertFalse(Files.exists(data.resolve("jobs/declined-in-page.txt")));
    assertFalse(Files.exists(data.resolve("jobs/declined-by-api.txt")));
  }

  @Test
  @Order(6)
  void cancelInThePageInterruptsAStalledJob() throws Exception {
    String id = serve.submit("{\"prompt\":\"[[stall]]\"}");
    browser.open(serve.url() + "/#/jobs/" + id);
    browser.awaitText("#job-status", "running");
    browser.click("#job-cancel");

    browser.awaitText("#job-status", "cancelled");
    assertEquals("cancelled", serve.status(id));
  }

  @Test
  @Order(7)
  void theDeadLettersPageRetriesADeadJob() throws Exception {
    String id = serve.submit("{\"prompt\":\"[[fail:no luck]]\",\"maxAttempts\":1}");
    await().atMost(WAIT).until(() -> serve.status(id).equals("dead"));
    browser.open(serve.url() + "/#/dead-letters");
    browser.click("button[aria-label='Retry " + id + "']");

    browser.awaitText("#dead-notice", id);
    await().atMost(WAIT).until(() -> serve.get("/v1/jobs/" + id + "/history").toString()
        .contains("retried"));
    await().atMost(WAIT).until(() -> serve.status(id).equals("dead"));
    browser.screenshots("dead-letters", "#dead-list table");
  }

  @Test
  @Order(8)
  void theAgentsPageRegistersAndDeregistersAnAgentAndShowsMemoryAndSync() throws Exception {
    browser.open(serve.url() + "/#/agents");
    browser.type("#agent-id", "browser-agent");
    new Select(browser.find("#agent-kind")).selectByValue("echo");
    browser.type("#agent-capabilities", "demo");
    browser.click("#agent-register");

    browser.awaitText("#register-notice", "browser-agent");
    browser.awaitText("tr[data-agent='browser-agent'] .load", "0 / 1");
    assertEquals(200, serve.call("GET", "/v1/agents/browser-agent", null).statusCode());
    browser.awaitText("tr[data-agent='codex'] .load", "/ 1");

    browser.click("button[aria-label='Memory of codex']");
    browser.awaitText("#agent-memory", "succeeded");
    long lastSeq = serve.get("/v1/agents/codex/memory").path("lastSeq").asLong();
    assertTrue(lastSeq > 0);
    browser.awaitText("#memory-local-seq", Long.toString(lastSeq));
    browser.awaitText("#agent-memory", "no cloud sync");
    browser.screenshots("agents", "#agent-memory");

    browser.click("button[aria-label='Deregister browser-agent']");
    browser.until(d -> d.findElements(org.openqa.selenium.By.cssSelector(
        "tr[data-agent='browser-agent']")).isEmpty(), "browser-agent to leave the list");
    assertEquals(404, serve.call("GET", "/v1/agents/browser-agent", null).statusCode());
  }

  @Test
  @Order(9)
  void everyPageRendersAtDesktopAndPhoneSizeWithNoSeriousAccessibilityViolation()
      throws Exception {
    Map<String, List<String>> violations = new java.util.LinkedHashMap<>();
    browser.open(serve.url() + "/");
    browser.screenshots("overview", "#rates svg");
    violations.put("overview", browser.seriousAccessibilityViolations());
    browser.open(serve.url() + "/#/jobs");
    browser.screenshots("jobs", "#job-list table");
    violations.put("jobs", browser.seriousAccessibilityViolations());
    String waiting = serve.submit("{\"prompt\":\"[[exec:touch left-waiting.txt]]\","
        + "\"approval\":\"untrusted\"}");
    awaitApprovalOf(waiting);
    browser.open(serve.url() + "/#/approvals");
    browser.screenshots("approvals", "#approval-list table");
    violations.put("approvals", browser.seriousAccessibilityViolations());
    browser.open(serve.url() + "/#/jobs/" + waiting);
    browser.find("#approval-accept");
    violations.put("job", browser.seriousAccessibilityViolations());
    assertEquals(200, serve.call("POST", "/v1/jobs/" + waiting + "/cancel", null).statusCode());
    browser.open(serve.url() + "/#/agents");
    browser.find("#agent-list table");
    violations.put("agents", browser.seriousAccessibilityViolations());
    browser.open(serve.url() + "/#/dead-letters");
    browser.find("#dead-list table");
    violations.put("dead letters", browser.seriousAccessibilityViolations());
    System.out.println("axe-core " + violations);
    violations.values().removeIf(List::isEmpty);
    assertEquals(Map.of(), violations, "serious accessibility violations");
  }

  @Test
  @Order(10)
  void withTenThousandJobsTheJobsPageOpensAndPages() throws Exception {
    submitEchoJobs(10_000);
    await().atMost(WAIT).until(() -> serve.get("/v1/stats").path("byStatus").path("succeeded")
        .asLong() >= 10_000);

    browser.open(serve.url() + "/#/jobs?agent=echo");
    browser.awaitText("#page-number", "page 1, jobs 1–50");
    browser.click("#page-next");
    browser.awaitText("#page-number", "page 2, jobs 51–100");
    browser.click("#page-next");
    browser.awaitText("#page-number", "page 3, jobs 101–150");
    assertEquals(50L, browser.script("return document.querySelectorAll('#job-list tbody tr')"
        + ".length"));
    browser.click("#page-previous");
    browser.awaitText("#page-number", "page 2, jobs 51–100");
  }

  @Test
  @Order(11)
  void twentyThousandStreamedEventsKeepTheDomAndTheHeapBounded() throws Exception {
    StringBuilder text = new StringBuilder();
    for (int word = 0; text.length() < 24_000; word++) {
      text.append(String.format("w%05d ", word));
    }
    String reply = text.toString().trim();
    // the job waits behind a stalled one while the page opens, then streams 20,000 deltas
    String blocker = serve.submit("{\"prompt\":\"[[stall]]\"}");
    await().atMost(WAIT).until(() -> serve.status(blocker).equals("running"));
    String id = serve.submit("{\"prompt\":\"[[chunks:20000]][[reply:" + reply + "]]\"}");
    browser.open(serve.url() + "/#/jobs/" + id);
    browser.awaitText("#job-status", "queued");
    browser.awaitText("#stream-state", "live");
    long elementsBefore = elements();
    long heapBefore = heap();

    serve.call("POST", "/v1/jobs/" + blocker + "/cancel", null);
    browser.awaitText("#stream-state", "ended");
    browser.awaitText("#job-status", "succeeded");
    long received = ((Number) browser.script("return Number(document.getElementById("
        + "'job-stream').dataset.received)")).longValue();
    long deltaChars = ((Number) browser.script("return Number(document.getElementById("
        + "'job-stream').dataset.deltaChars)")).longValue();
    Object reconnects = browser.find("#stream-state").getAttribute("data-reconnects");
    // the whole text came through the stream: in 20,000 deltas, or fewer events when the
    // service merged the deltas of a page that fell behind
    assertEquals(reply.length(), deltaChars, "the stream's deltas carried " + deltaChars
        + " of " + reply.length() + " characters in " + received + " events; the stream was "
        + "cut " + reconnects + " times");

    long elementsAfter = elements();
    long heapAfter = heap();
    String shown = (String) browser.script("return document.querySelector('#job-stream pre')"
        + ".textContent");
    System.out.printf("dashboard: 20,000 streamed deltas (%d events on the page): DOM %d -> %d "
        + "elements, JS heap %.1f -> %.1f MB (growth %.1f MB, limit 8 MB)%n", received,
        elementsBefore, elementsAfter, heapBefore / 1e6, heapAfter / 1e6,
        (heapAfter - heapBefore) / 1e6);
    assertTrue(shown.length() <= 20_000 && reply.endsWith(shown), "the stream shows "
        + shown.length() + " characters that are not the reply's end");
    assertTrue(elementsAfter - elementsBefore < 100, "the DOM grew from " + elementsBefore
        + " to " + elementsAfter + " elements");
    assertTrue(heapAfter - heapBefore < 8_000_000, "the JS heap grew by "
        + (heapAfter - heapBefore) + " bytes");
  }

  @Test
  @Order(13)
  void aDroppedStreamReconnectsAndResumesWithoutTheStatusItHad() throws Exception {
    String id = serve.submit("{\"prompt\":\"[[stall]]\"}");
    int port = java.net.URI.create(serve.url()).getPort();
    // the page reaches the service through a proxy whose connections the test cuts
    try (io.workmate.gateway.testkit.LoopbackProxy proxy =
        io.workmate.gateway.testkit.LoopbackProxy.start(port)) {
      browser.open("http://127.0.0.1:" + proxy.port() + "/#/jobs/" + id);
      browser.awaitText("#job-status", "running");
      browser.awaitText("#stream-state", "live");
      assertEquals("1", browser.find("#job-status").getAttribute("data-events"));

      proxy.cut();
      browser.awaitText("#stream-state", "reconnecting");
      proxy.restore();

      browser.awaitText("#stream-state", "live");
      // resumed with Last-Event-ID: the running status it had is not sent again
      assertEquals("1", browser.find("#job-status").getAttribute("data-events"));
      serve.call("POST", "/v1/jobs/" + id + "/cancel", null);
      browser.awaitText("#job-status", "cancelled");
      browser.awaitText("#stream-state", "ended");
    }
  }

  @Test
  @Order(14)
  void theStreamShowsAFileChangeWithItsDiff() throws Exception {
    String blocker = serve.submit("{\"prompt\":\"[[stall]]\"}");
    await().atMost(WAIT).until(() -> serve.status(blocker).equals("running"));
    String id = serve.submit("{\"prompt\":\"[[patch:patched-in-page.txt:written by a "
        + "patch]]\"}");
    browser.open(serve.url() + "/#/jobs/" + id);
    browser.awaitText("#stream-state", "live");
    serve.call("POST", "/v1/jobs/" + blocker + "/cancel", null);

    browser.awaitText("#job-status", "succeeded");
    String change = browser.awaitText("#job-stream [data-kind='file change']",
        "patched-in-page.txt");
    assertTrue(change.contains("written by a patch"), change);
  }

  /**
   * A job on a real git repository submitted in the page: the job page shows its branch, head
   * commit, changed file and diff, and a follow-up sent from the page continues the branch. A bad
   * repository and a second follow-up are refused with the API's own messages.
   */
  @Test
  @Order(15)
  void aWorkspaceJobShowsItsBranchAndDiffAndIsFollowedUpFromThePage() throws Exception {
    Git git = new Git("git");
    git.checkVersion(); // fails with what to install when git is missing
    Path repo = Files.createDirectories(tmp.resolve("page-repo"));
    git.check(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("README.txt"), "start\n");
    git.check(repo, "add", "-A");
    git.check(repo, "-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-q", "-m",
        "init");

    String missing = tmp.resolve("no-such-repo").toString();
    HttpResponse<String> api = serve.call("POST", "/v1/jobs", "{\"prompt\":\"x\","
        + "\"workspace\":{\"repo\":\"" + missing + "\"}}");
    assertEquals(400, api.statusCode(), api.body());
    browser.open(serve.url() + "/#/jobs");
    browser.type("#submit-prompt", "x");
    browser.type("#submit-repo", missing);
    browser.click("#submit-button");
    assertEquals(ServeProcessJson.message(api.body()),
        browser.awaitText("#submit-error", "workspace.repo"));

    browser.open(serve.url() + "/#/jobs");
    browser.type("#submit-prompt", "[[patch:hello.txt:hi from the page]]");
    browser.type("#submit-repo", repo.toString());
    browser.type("#submit-branch", "page/hello");
    browser.click("#submit-button");
    browser.until(d -> d.getCurrentUrl().matches(".*#/jobs/job-.*"), "the job page");
    String first = browser.driver.getCurrentUrl().replaceAll(".*#/jobs/", "");
    browser.awaitText("#job-status", "succeeded");
    String head = git.check(repo, "rev-parse", "refs/heads/page/hello").strip();
    assertEquals(head, serve.job(first).path("workspace").path("headCommit").asText());
    String shown = browser.awaitText("#job-workspace", head);
    assertTrue(shown.contains(repo.toString()) && shown.contains("page/hello"), shown);
    assertTrue(shown.contains(git.check(repo, "rev-parse", "main").strip()), shown);
    browser.awaitText("#job-workspace tr[data-file='hello.txt']", "+1");
    browser.click("#job-diff-show");
    String diff = browser.awaitText("#job-diff", "diff --git a/hello.txt b/hello.txt");
    assertTrue(diff.contains("+hi from the page"), diff);
    assertEquals(List.of(), browser.seriousAccessibilityViolations(),
        "serious accessibility violations on the workspace job's page");

    browser.type("#follow-up-prompt",
        "[[edit:hello.txt:hi from the page=>reviewed in the page]]");
    browser.click("#follow-up-button");
    browser.until(d -> d.getCurrentUrl().matches(".*#/jobs/job-.*")
        && !d.getCurrentUrl().endsWith("/" + first), "the follow-up's page");
    String second = browser.driver.getCurrentUrl().replaceAll(".*#/jobs/", "");
    browser.awaitText("#job-status", "succeeded");
    browser.awaitText("#job-workspace", first); // follow-up of
    JsonNode followed = serve.job(second).path("workspace");
    assertEquals("page/hello", followed.path("branch").asText(), followed.toString());
    assertEquals(head, followed.path("baseCommit").asText(), followed.toString());
    String newHead = git.check(repo, "rev-parse", "refs/heads/page/hello").strip();
    assertEquals(newHead, followed.path("headCommit").asText(), followed.toString());
    browser.awaitText("#job-workspace", newHead);
    browser.click("#job-diff-show");
    diff = browser.awaitText("#job-diff", "+reviewed in the page");
    assertTrue(diff.contains("-hi from the page"), diff);

    // one follow-up per job: the page shows the API's refusal, which names the follow-up
    browser.open(serve.url() + "/#/jobs/" + first);
    browser.type("#follow-up-prompt", "again");
    browser.click("#follow-up-button");
    browser.awaitText("#follow-up-error", second);
    assertEquals("succeeded", serve.status(second));
  }

  // --- helpers --------------------------------------------------------------------------------

  private static long elements() {
    return ((Number) browser.script("return document.getElementsByTagName('*').length"))
        .longValue();
  }

  /** The tab's used JS heap after a full collection (Chromium runs with --expose-gc). */
  private static long heap() {
    return ((Number) browser.script("window.gc(); window.gc();"
        + "return performance.memory.usedJSHeapSize")).longValue();
  }

  /** {@code count} echo jobs, 32 submits in flight at a time. */
  private static void submitEchoJobs(int count) throws Exception {
    java.net.http.HttpClient client = java.net.http.HttpClient.newHttpClient();
    java.util.concurrent.Semaphore inFlight = new java.util.concurrent.Semaphore(32);
    java.util.concurrent.atomic.AtomicInteger refused = new java.util.concurrent.atomic.AtomicInteger();
    java.net.http.HttpRequest request = java.net.http.HttpRequest.newBuilder(
            java.net.URI.create(serve.url() + "/v1/jobs"))
        .header("Content-Type", "application/json")
        .POST(java.net.http.HttpRequest.BodyPublishers.ofString(
            "{\"prompt\":\"many\",\"agent\":\"echo\"}")).build();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        if (e != null || r.statusCode() != 202) {
          refused.incrementAndGet();
        }
        inFlight.release();
      });
    }
    inFlight.acquire(32);
    assertEquals(0, refused.get(), "submits refused");
  }

  /** Submits through the page's form with approval "untrusted"; the new job's id. */
  private static String submitInPage(String prompt) {
    browser.open(serve.url() + "/#/jobs");
    browser.type("#submit-prompt", prompt);
    new Select(browser.find("#submit-approval")).selectByValue("untrusted");
    browser.click("#submit-button");
    browser.until(d -> d.getCurrentUrl().matches(".*#/jobs/job-.*"), "the job page");
    return browser.driver.getCurrentUrl().replaceAll(".*#/jobs/", "");
  }

  private static String awaitApprovalOf(String jobId) {
    String[] id = new String[1];
    await().atMost(WAIT).until(() -> {
      for (JsonNode approval : serve.get("/v1/approvals").path("approvals")) {
        if (approval.path("jobId").asText().equals(jobId)) {
          id[0] = approval.path("id").asText();
          return true;
        }
      }
      return false;
    });
    return id[0];
  }

  private static JsonNode awaitTerminal(String id) {
    JsonNode[] job = new JsonNode[1];
    await().atMost(WAIT).until(() -> {
      job[0] = serve.job(id);
      return List.of("succeeded", "cancelled", "dead").contains(job[0].path("status").asText());
    });
    return job[0];
  }
}
