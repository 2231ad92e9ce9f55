package io.workmate.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Connection;
import java.sql.DriverManager;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.awaitility.Awaitility;
import org.awaitility.core.ConditionTimeoutException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 12, points 4 and 5, with real {@code workmate serve} processes: the journal on a small
 * tmpfs that the test fills (a real full disk: H2 gets ENOSPC), a second service on the same
 * data dir, a restart after kill -9, and journals that are not databases.
 *
 * <p>Needs root for {@code mount -t tmpfs} (CI and the dev machines run the tests as root); a
 * refused mount fails the test with that reason.
 */
class JournalFaultsIT {

  private static final Path ROOT = Path.of(System.getProperty("workmate.home"));
  private static final Path LAUNCHER = ROOT.resolve("bin/workmate");
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();
  /** Room left on the small filesystem when the load starts. */
  private static final long HEADROOM = 256 * 1024;

  @TempDir Path tmp;

  @Test
  void aFullDiskAnswers503UntilThereIsRoomAgainAndNothingAcknowledgedIsLost() throws Exception {
    Path small = tmp.resolve("small");
    Files.createDirectories(small);
    run("mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", small.toString());
    Process first = null;
    Process third = null;
    try {
      Path data = tmp.resolve("data");
      Path config = tmp.resolve("journal-on-tmpfs.conf");
      Files.writeString(config, "workmate.journal.h2.path = \""
          + small.resolve("journal").resolve("workmate") + "\"\n");
      first = serve(data, config, "first");
      String url = url(first, "first");

      // one service per data dir: a second one stops at once, naming the first
      long secondStarted = System.nanoTime();
      Process second = serve(data, config, "second");
      assertTrue(second.waitFor(30, TimeUnit.SECONDS), "the second service exits");
      long secondMillis = (System.nanoTime() - secondStarted) / 1_000_000;
      assertEquals(5, second.exitValue(), errors("second"));
      String refusal = errors("second").strip();
      assertEquals("workmate: the data dir " + data + " is in use by another workmate serve (pid "
          + first.pid() + "); stop it first or use --data", refusal);
      System.out.printf("the second serve exited 5 after %d ms%n", secondMillis);
      assertEquals("ok", get(url + "/v1/health").path("status").asText(), "the first carries on");

      List<String> acknowledged = new ArrayList<>();
      for (int i = 0; i < 5; i++) {
        acknowledged.add(submit(url, "before-" + i).path("id").asText());
      }

      // the disk fills: writes fail, and the service says so instead of hanging or lying
      Path filler = small.resolve("filler");
      fill(filler, Files.getFileStore(small).getUsableSpace() - HEADROOM);
      List<JsonNode> refused = new ArrayList<>();
      long loadUntil = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      for (int i = 0; refused.size() < 10 && System.nanoTime() < loadUntil; i++) {
        HttpResponse<String> response = postJob(url, "load-" + i);
        if (response.statusCode() == 202) {
          // a write may still fit between refused ones (H2 reuses space in its file)
          acknowledged.add(JSON.readTree(response.body()).path("id").asText());
        } else {
          assertEquals(503, response.statusCode(), response.body());
          refused.add(JSON.readTree(response.body()));
          if (refused.size() == 1) {
            fill(small.resolve("filler-rest"), Long.MAX_VALUE); // not a byte left
          }
        }
      }
      assertFalse(refused.isEmpty(), "a full disk must refuse submits; " + acknowledged.size()
          + " were acknowledged\n" + errors("first"));
      for (JsonNode body : refused) {
        assertEquals("unavailable", body.path("error").path("code").asText(), body.toString());
        assertFalse(body.path("error").path("message").asText().isBlank(), body.toString());
      }
      System.out.printf("disk full: %d submits acknowledged, then %d refused with 503%n",
          acknowledged.size(), refused.size());
      JsonNode journal = await(() -> get(url + "/v1/health").path("journal"),
          state -> state.path("state").asText().equals("unavailable"), Duration.ofSeconds(15),
          "/v1/health reports the journal unavailable");
      System.out.println("health while full: " + journal);
      assertEquals(503, send(HttpRequest.newBuilder(URI.create(url + "/v1/ready")).GET())
          .statusCode(), "not ready while the journal cannot store");
      HttpResponse<String> memory = postMemory(url, "during the fault");
      assertEquals(503, memory.statusCode(), memory.body());
      assertEquals("unavailable", JSON.readTree(memory.body()).path("error").path("code").asText());
      HttpResponse<String> registration = postAgent(url, "fault-agent");
      assertEquals(503, registration.statusCode(), registration.body());
      assertEquals("unavailable",
          JSON.readTree(registration.body()).path("error").path("code").asText());

      // room again: the service recovers by itself, no restart
      Files.delete(filler);
      Files.delete(small.resolve("filler-rest"));
      long freedAt = System.nanoTime();
      JsonNode after = await(() -> {
        HttpResponse<String> response = postJob(url, "after-" + System.nanoTime());
        return response.statusCode() == 202 ? JSON.readTree(response.body()) : null;
      }, created -> created != null, Duration.ofSeconds(60), "a submit is accepted again");
      acknowledged.add(after.path("id").asText());
      System.out.printf("submits accepted again %d ms after the disk had room%n",
          (System.nanoTime() - freedAt) / 1_000_000);
      await(() -> get(url + "/v1/health").path("journal").path("state").asText(),
          "ok"::equals, Duration.ofSeconds(15), "/v1/health reports the journal ok again");
      await(() -> send(HttpRequest.newBuilder(URI.create(url + "/v1/ready")).GET()).statusCode(),
          status -> status == 200, Duration.ofSeconds(15), "ready again");
      for (int i = 0; i < 5; i++) {
        acknowledged.add(submit(url, "recovered-" + i).path("id").asText());
      }
      HttpResponse<String> note = await(() -> postMemory(url, "after the fault"),
          response -> response.statusCode() == 201, Duration.ofSeconds(30),
          "a memory append is stored again");
      long noteSeq = JSON.readTree(note.body()).path("entry").path("seq").asLong();
      await(() -> postAgent(url, "fault-agent"), response -> response.statusCode() == 201
          || response.statusCode() == 200, Duration.ofSeconds(30), "registration works again");

      // every acknowledged job is there, and runs (the echo agent answers at once)
      assertAllSucceed(url, acknowledged);

      // and after a kill -9 and a restart (which gets the data dir's lock at once)
      first.destroyForcibly();
      assertTrue(first.waitFor(30, TimeUnit.SECONDS), "the killed service is gone");
      third = serve(data, config, "third");
      String again = url(third, "third");
      assertAllSucceed(again, acknowledged);
      JsonNode entries = get(again + "/v1/agents/echo/memory?q=after%20the%20fault");
      assertEquals(noteSeq, entries.path("entries").get(0).path("seq").asLong(), entries.toString());
      assertEquals(200, send(HttpRequest.newBuilder(URI.create(again + "/v1/agents/fault-agent"))
          .GET()).statusCode(), "the registration made after the fault survived");
      System.out.printf("after kill -9 and restart: all %d acknowledged jobs succeeded%n",
          acknowledged.size());
    } finally {
      for (Process service : new Process[] {first, third}) {
        if (service != null) {
          service.destroyForcibly();
          service.waitFor(30, TimeUnit.SECONDS);
        }
      }
      run("umount", small.toString());
    }
  }

  @Test
  void aJournalThatIsNotADatabaseStopsServeWithExit5AndIsLeftAsItWas() throws Exception {
    // garbage
    byte[] garbage = new byte[64 * 1024];
    new java.util.Random(12).nextBytes(garbage);
    assertRefused("garbage", garbage, "is corrupt: Store header is corrupt");
    // a real journal cut inside its header
    Path real = tmp.resolve("real").resolve("workmate");
    try (Connection db = DriverManager.getConnection("jdbc:h2:file:" + real, "sa", "")) {
      db.createStatement().execute("CREATE TABLE t (id INT PRIMARY KEY)");
    }
    byte[] whole = Files.readAllBytes(real.resolveSibling("workmate.mv.db"));
    assertRefused("cut", java.util.Arrays.copyOf(whole, 3000),
        "is corrupt: it ends inside its own header");
    // empty: H2 would format it as a new database
    assertRefused("empty", new byte[0], "is corrupt: it is empty (0 bytes)");
    // not a file at all (as root, permissions cannot make it unreadable)
    assertRefused("directory", null, "cannot be read: Is a directory; make it a file this user "
        + "can read and write, or restore it from a backup");
  }

  private static final String CORRUPT_ADVICE = "; restore it from a backup, or move it aside to "
      + "start with an empty journal (the jobs, agents and memory it holds are then lost)";

  /** {@code content} null: a directory where the file belongs. */
  private void assertRefused(String name, byte[] content, String problem) throws Exception {
    Path data = tmp.resolve(name);
    Path file = data.resolve("journal").resolve("workmate.mv.db");
    Files.createDirectories(file.getParent());
    if (content == null) {
      Files.createDirectory(file);
    } else {
      Files.write(file, content);
    }
    Process service = serve(data, null, name);
    assertTrue(service.waitFor(60, TimeUnit.SECONDS), "serve exits on a " + name + " journal");
    assertEquals(5, service.exitValue(), errors(name));
    List<String> lines = Files.readAllLines(tmp.resolve("serve-" + name + ".err"));
    List<String> journalLines = lines.stream().filter(line -> line.contains("journal")).toList();
    assertEquals(List.of("workmate: the journal file " + file + " " + problem
        + (problem.startsWith("is corrupt") ? CORRUPT_ADVICE : "")), journalLines,
        String.join("\n", lines));
    assertTrue(lines.stream().noneMatch(line -> line.startsWith("\tat ")), "no stack trace");
    if (content != null) {
      assertEquals(sha256(content), sha256(Files.readAllBytes(file)), "the file is untouched");
    }
    try (Stream<Path> files = Files.list(file.getParent())) {
      assertEquals(List.of(file), files.toList(), "nothing created next to it");
    }
  }

  // ---- the service ----

  private Process serve(Path data, Path config, String name) throws IOException {
    List<String> command = new ArrayList<>(List.of(LAUNCHER.toString(), "serve", "--port", "0",
        "--data", data.toString()));
    if (config != null) {
      command.addAll(List.of("--config", config.toString()));
    }
    ProcessBuilder builder = new ProcessBuilder(command).directory(tmp.toFile())
        .redirectError(tmp.resolve("serve-" + name + ".err").toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_"));
    builder.environment().put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    builder.environment().put("WORKMATE_MODE", "offline");
    builder.environment().put("WORKMATE_JOBS_ECHO_AGENT", "on");
    return builder.start();
  }

  private String url(Process service, String name) throws IOException {
    BufferedReader reader = new BufferedReader(
        new InputStreamReader(service.getInputStream(), StandardCharsets.UTF_8));
    String banner = reader.readLine();
    Matcher url = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)").matcher(String.valueOf(banner));
    if (!url.find()) {
      fail("the service did not start: " + banner + "\n" + errors(name));
    }
    return url.group(1);
  }

  private String errors(String name) {
    try {
      return Files.readString(tmp.resolve("serve-" + name + ".err"));
    } catch (IOException e) {
      return "(no stderr: " + e + ")";
    }
  }

  // ---- requests ----

  private static JsonNode submit(String url, String key) throws Exception {
    HttpResponse<String> response = postJob(url, key);
    assertEquals(202, response.statusCode(), response.body());
    return JSON.readTree(response.body());
  }

  /** A job for the echo agent with a 2 KB prompt, so the journal grows quickly. */
  private static HttpResponse<String> postJob(String url, String key) throws Exception {
    String prompt = key + " " + "x".repeat(2048);
    return post(url + "/v1/jobs", "{\"prompt\": \"" + prompt + "\", \"agent\": \"echo\", "
        + "\"idempotencyKey\": \"" + key + "\"}");
  }

  private static HttpResponse<String> postMemory(String url, String text) throws Exception {
    return post(url + "/v1/agents/echo/memory", "{\"kind\": \"note\", \"text\": \"" + text + "\"}");
  }

  private static HttpResponse<String> postAgent(String url, String id) throws Exception {
    return post(url + "/v1/agents", "{\"id\": \"" + id + "\", \"kind\": \"echo\"}");
  }

  private static HttpResponse<String> post(String uri, String body) throws Exception {
    return send(HttpRequest.newBuilder(URI.create(uri)).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)));
  }

  private static JsonNode get(String uri) throws Exception {
    HttpResponse<String> response = send(HttpRequest.newBuilder(URI.create(uri)).GET());
    assertEquals(200, response.statusCode(), uri + ": " + response.body());
    return JSON.readTree(response.body());
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) throws Exception {
    return HTTP.send(request.timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  private static void assertAllSucceed(String url, List<String> ids) throws Exception {
    for (String id : ids) {
      JsonNode job = await(() -> get(url + "/v1/jobs/" + id),
          current -> current.path("status").asText().equals("succeeded"), Duration.ofSeconds(30),
          "job " + id + " succeeds");
      assertEquals(id, job.path("id").asText());
    }
  }

  // ---- helpers ----

  private interface Check<T> {
    T get() throws Exception;
  }

  /** Polls {@code check} every 100 ms until {@code done} holds; fails after {@code limit}. */
  private static <T> T await(Check<T> check, Predicate<T> done, Duration limit, String what)
      throws Exception {
    AtomicReference<T> last = new AtomicReference<>();
    try {
      return Awaitility.await(what).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(100))
          .atMost(limit).until(() -> {
            last.set(check.get());
            return last.get();
          }, done::test);
    } catch (ConditionTimeoutException e) {
      return fail(what + " within " + limit + "; last: " + last.get());
    }
  }

  /** Writes up to {@code bytes} zeros into {@code file}, stopping quietly when the disk is full. */
  private static void fill(Path file, long bytes) throws IOException {
    byte[] block = new byte[64 * 1024];
    long written = 0;
    try (OutputStream out = Files.newOutputStream(file)) {
      while (written < bytes) {
        int size = (int) Math.min(block.length, bytes - written);
        out.write(block, 0, size);
        written += size;
      }
    } catch (IOException e) {
      if (!String.valueOf(e.getMessage()).contains("No space left")) {
        throw e;
      }
    }
  }

  private static void run(String... command) throws Exception {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(process.waitFor(30, TimeUnit.SECONDS), String.join(" ", command));
    assertEquals(0, process.exitValue(), String.join(" ", command) + " failed (the test mounts "
        + "a small tmpfs and must run as root): " + output);
  }

  private static String sha256(byte[] bytes) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes));
  }
}
