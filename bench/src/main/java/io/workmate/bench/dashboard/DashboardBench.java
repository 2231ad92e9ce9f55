package io.workmate.bench.dashboard;

import io.workmate.bench.common.Machine;
import io.workmate.bench.common.Poll;
import io.workmate.bench.service.ServeProcess;
import io.workmate.bench.soak.ServiceApi;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code scripts/bench dashboard} (issue 17): the dashboard in Debian's headless Chromium against
 * a real {@code bin/workmate serve} (the real codex on the scripted provider).
 *
 * <ol>
 *   <li>First useful paint with many jobs in the journal: when the jobs page has its first 50
 *       rows on screen, in milliseconds after the navigation began (the page's own
 *       {@code jobs-list-rendered} mark), over several loads; beside it the same request
 *       ({@code GET /v1/jobs?limit=50}) timed from a plain client.
 *   <li>Status change to DOM: a job waits behind a stalled one with its page open; when the
 *       stalled one is cancelled it runs and succeeds. For both changes, the delay from the
 *       service's change (the job's {@code updatedAt}) to the page's DOM showing it (a
 *       MutationObserver's timestamp, the page's clock) and to a raw SSE client's receipt of the
 *       same event, in the same run. Goal: DOM median at most 1.5 x raw median + 50 ms.
 * </ol>
 *
 * <pre>
 *   --jobs N     jobs in the journal for the first paint (default 10000)
 *   --loads N    page loads measured (default 7; the first has a cold cache)
 *   --rounds N   status-change rounds, two changes each (default 10)
 * </pre>
 */
public final class DashboardBench {

  private static final Duration WAIT = Duration.ofSeconds(120);
  private static final Duration POLL = Duration.ofMillis(20);

  private final ServiceApi api;
  private final HeadlessChromium browser;

  private DashboardBench(ServiceApi api, HeadlessChromium browser) {
    this.api = api;
    this.browser = browser;
  }

  public static void main(String[] args) throws Exception {
    int jobs = 10_000;
    int loads = 7;
    int rounds = 10;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--jobs" -> jobs = Integer.parseInt(args[++i]);
        case "--loads" -> loads = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "-h", "--help" -> {
          System.out.println("scripts/bench dashboard [--jobs N] [--loads N] [--rounds N]");
          return;
        }
        default -> {
          System.err.println("bench: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    Path home = Path.of(System.getProperty("workmate.home", "."));
    Path dir = Files.createTempDirectory("workmate-bench-dashboard-");
    // one job at a time, so a job submitted behind a stalled one waits queued
    try (ServeProcess serve = ServeProcess.start(home, dir, "dashboard", dir.resolve("data"),
            Map.of("WORKMATE_JOBS_MAX_CONCURRENT", "1", "WORKMATE_JOBS_ECHO_AGENT", "on"));
        HeadlessChromium browser = HeadlessChromium.start()) {
      serve.awaitReady();
      System.out.println("machine: " + Machine.describe() + "; " + browser.version()
          + "; load average " + Machine.loadAverage("unknown"));
      DashboardBench bench = new DashboardBench(serve.client(), browser);
      bench.fill(jobs);
      bench.firstUsefulPaint(jobs, loads);
      bench.statusChangeDelay(rounds);
    }
  }

  /** {@code count} echo jobs, 32 submits in flight, and waits for all of them to succeed. */
  private void fill(int count) throws Exception {
    HttpClient client = HttpClient.newHttpClient();
    HttpRequest submit = HttpRequest.newBuilder(URI.create(api.base() + "/v1/jobs"))
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString("{\"prompt\":\"fill\",\"agent\":\"echo\"}"))
        .build();
    Semaphore inFlight = new Semaphore(32);
    AtomicInteger refused = new AtomicInteger();
    for (int i = 0; i < count; i++) {
      inFlight.acquire();
      client.sendAsync(submit, HttpResponse.BodyHandlers.discarding()).whenComplete((r, e) -> {
        if (e != null || r.statusCode() != 202) {
          refused.incrementAndGet();
        }
        inFlight.release();
      });
    }
    inFlight.acquire(32);
    if (refused.get() > 0) {
      throw new IllegalStateException(refused.get() + " of " + count + " submits refused");
    }
    await("every fill job to succeed", () -> api.require200("/v1/stats").path("byStatus")
        .path("succeeded").asLong() >= count);
  }

  private void firstUsefulPaint(int jobs, int loads) {
    long[] rendered = new long[loads];
    long[] contentful = new long[loads];
    long[] inPage = new long[loads];
    long[] raw = new long[loads];
    for (int load = 0; load < loads; load++) {
      browser.load(api.base() + "/#/jobs");
      browser.awaitText("#page-number", "page 1, jobs 1–50");
      rendered[load] = number("return performance.getEntriesByName('jobs-list-rendered')[0]"
          + ".startTime");
      contentful[load] = number("const p = performance.getEntriesByName("
          + "'first-contentful-paint')[0]; return p ? p.startTime : -1");
      inPage[load] = number("return performance.getEntriesByType('resource')"
          + ".find(r => r.name.includes('/v1/jobs?')).duration");
      long start = System.nanoTime();
      api.require200("/v1/jobs?limit=50");
      raw[load] = (System.nanoTime() - start) / 1_000_000;
    }
    System.out.printf("first useful paint with %,d jobs (the jobs page's first 50 rows on "
        + "screen, ms after navigation; %d loads, the first with a cold cache):%n", jobs, loads);
    System.out.printf("  page:  median %d ms, first load %d ms %s; first contentful paint "
        + "median %d ms%n", median(rendered), rendered[0], sorted(rendered), median(contentful));
    System.out.printf("  GET /v1/jobs?limit=50: in the page median %d ms, from a plain client "
        + "median %d ms%n", median(inPage), median(raw));
  }

  private void statusChangeDelay(int rounds) {
    List<Long> rawDelays = new ArrayList<>();
    List<Long> domDelays = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      String blocker = api.submit(ServiceApi.JSON.createObjectNode().put("prompt", "[[stall]]"));
      await("the stalled job to run", () -> status(blocker).equals("running"));
      String id = api.submit(ServiceApi.JSON.createObjectNode().put("prompt",
          "[[reply:timed]]"));
      browser.load(api.base() + "/#/jobs/" + id);
      browser.awaitText("#stream-state", "live");
      // the page's own clock when each status first appears in its DOM
      browser.script("window.shownAt = {}; new MutationObserver(() => {"
          + "  const s = document.querySelector('#job-status [data-status]');"
          + "  if (s && !(s.dataset.status in window.shownAt))"
          + "    window.shownAt[s.dataset.status] = performance.timeOrigin + performance.now();"
          + "}).observe(document.getElementById('job-status'), {childList: true, subtree: true});");
      try (StatusStream stream = StatusStream.follow(api.base(), id)) {
        await("the raw client to see the job queued", () -> stream.of("queued") != null);
        api.post("/v1/jobs/" + blocker + "/cancel", ServiceApi.JSON.createObjectNode());
        browser.awaitText("#job-status", "succeeded");
        await("the raw client to see the job succeed", () -> stream.of("succeeded") != null);
        for (String status : List.of("running", "succeeded")) {
          StatusStream.Seen seen = stream.of(status);
          long shown = number("return window.shownAt['" + status + "'] || -1");
          if (seen == null || shown < 0) {
            throw new IllegalStateException("round " + round + ": '" + status + "' was not "
                + "seen by " + (seen == null ? "the raw client" : "the page"));
          }
          rawDelays.add(seen.arrivedAt() - seen.changedAt());
          domDelays.add(shown - seen.changedAt());
        }
      }
    }
    long[] rawMs = rawDelays.stream().mapToLong(Long::longValue).toArray();
    long[] domMs = domDelays.stream().mapToLong(Long::longValue).toArray();
    long goal = median(rawMs) * 3 / 2 + 50;
    System.out.printf("status change -> seen (ms from the service's updatedAt; %d changes in %d "
        + "rounds, running and succeeded):%n", rawMs.length, rounds);
    System.out.printf("  raw SSE client: median %d ms %s%n", median(rawMs), sorted(rawMs));
    System.out.printf("  page DOM:       median %d ms %s%n", median(domMs), sorted(domMs));
    System.out.printf("  goal: DOM <= 1.5 x raw + 50 ms = %d ms: %s%n", goal,
        median(domMs) <= goal ? "met" : "missed");
  }

  private String status(String id) {
    return api.job(id).path("status").asText();
  }

  private long number(String script) {
    return Math.round(((Number) browser.script(script)).doubleValue());
  }

  private static void await(String what, java.util.function.BooleanSupplier condition) {
    Poll.until(WAIT, POLL, () -> condition.getAsBoolean() ? Optional.of(true) : Optional.empty())
        .orElseThrow(() -> new IllegalStateException("waited " + WAIT.toSeconds() + " s for "
            + what));
  }

  private static long median(long[] values) {
    long[] copy = values.clone();
    Arrays.sort(copy);
    return copy[copy.length / 2];
  }

  private static String sorted(long[] values) {
    long[] copy = values.clone();
    Arrays.sort(copy);
    return Arrays.toString(copy);
  }
}
