package io.workmate.server.lifecycle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One real {@code bin/workmate serve} process on a data dir, offline, on the scripted provider,
 * as the lifecycle tests need it: its URL from the banner, its output, signals, and the HTTP
 * calls the tests make.
 */
public final class ServeProcess implements AutoCloseable {

  static final Path ROOT = Path.of(System.getProperty("workmate.home"));
  static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP = HttpClient.newBuilder()
      .connectTimeout(Duration.ofSeconds(5)).build();

  private final Process process;
  private final Path stderr;
  private final List<String> stdout = new CopyOnWriteArrayList<>();
  private final String url;

  private ServeProcess(Process process, Path stderr, String url) {
    this.process = process;
    this.stderr = stderr;
    this.url = url;
  }

  /** Starts {@code serve} and waits for its banner; {@code env} adds to the test defaults. */
  public static ServeProcess start(Path dir, String name, Path data, Map<String, String> env)
      throws Exception {
    Path err = dir.resolve("serve-" + name + ".err");
    Process process = builder(dir, data, env).redirectError(err.toFile()).start();
    BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8));
    String banner = reader.readLine();
    Matcher matcher = Pattern.compile("(http://127\\.0\\.0\\.1:\\d+)")
        .matcher(String.valueOf(banner));
    if (!matcher.find()) {
      process.destroyForcibly();
      fail("serve " + name + " did not start: " + banner + "\n" + Files.readString(err));
    }
    ServeProcess serve = new ServeProcess(process, err, matcher.group(1));
    serve.stdout.add(banner);
    Thread pump = new Thread(() -> serve.pump(reader), "serve-" + name + "-stdout");
    pump.setDaemon(true);
    pump.start();
    return serve;
  }

  /** {@code serve} on the test defaults plus {@code env}, from {@code dir}. */
  private static ProcessBuilder builder(Path dir, Path data, Map<String, String> env) {
    ProcessBuilder builder = new ProcessBuilder(ROOT.resolve("bin/workmate").toString(), "serve",
        "--port", "0").directory(dir.toFile());
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_")
        || key.equals("NOTIFY_SOCKET") || key.startsWith("WATCHDOG_"));
    Map<String, String> all = new LinkedHashMap<>();
    all.put("WORKMATE_DATA_DIR", data.toString());
    all.put("WORKMATE_OPENCLAW_LOCAL_URL", "");
    all.put("WORKMATE_MODE", "offline");
    all.put("WORKMATE_CODEX_PROCESSES", "1");
    all.putAll(env);
    builder.environment().putAll(all);
    return builder;
  }

  /** How a {@code serve} that was expected to stop by itself ended. */
  record Exited(int exit, String out, String err) {

    /** The lines of stderr that {@code serve} itself wrote ({@code workmate: ...}). */
    List<String> workmateLines() {
      return err.lines().filter(line -> line.startsWith("workmate: ")).toList();
    }
  }

  /** Runs {@code serve} until it exits by itself, at most {@code limit}. */
  static Exited runToExit(Path dir, String name, Path data, Map<String, String> env,
      Duration limit) throws Exception {
    Path out = dir.resolve("serve-" + name + ".out");
    Path err = dir.resolve("serve-" + name + ".err");
    Process process = builder(dir, data, env).redirectOutput(out.toFile())
        .redirectError(err.toFile()).start();
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      process.destroyForcibly();
      process.waitFor(30, TimeUnit.SECONDS);
      fail("serve " + name + " did not exit within " + limit + "\nstdout:\n"
          + Files.readString(out) + "\nstderr:\n" + Files.readString(err));
    }
    return new Exited(process.exitValue(), Files.readString(out), Files.readString(err));
  }

  private void pump(BufferedReader reader) {
    try {
      String line;
      while ((line = reader.readLine()) != null) {
        stdout.add(line);
      }
    } catch (IOException e) {
      // the process is gone
    }
  }

  public String url() {
    return url;
  }

  long pid() {
    return process.pid();
  }

  Process process() {
    return process;
  }

  void signal(String name) throws Exception {
    Process kill = new ProcessBuilder("kill", "-" + name, Long.toString(process.pid())).start();
    assertEquals(0, kill.waitFor(), "kill -" + name);
  }

  /** Waits for the exit; the code. */
  int awaitExit(Duration limit) throws Exception {
    if (!process.waitFor(limit.toMillis(), TimeUnit.MILLISECONDS)) {
      fail("serve did not exit within " + limit + "\n" + output());
    }
    return process.exitValue();
  }

  public String output() throws IOException {
    return "stdout:\n" + String.join("\n", stdout) + "\nstderr:\n" + Files.readString(stderr);
  }

  /** What a client command printed and its exit code. */
  record CliRun(int exit, String out, String err) {}

  /** Runs {@code bin/workmate <command> --url <this service> <args>}, e.g. {@code status}. */
  CliRun cli(String command, String... args) throws Exception {
    List<String> line = new java.util.ArrayList<>(List.of(
        ROOT.resolve("bin/workmate").toString(), command, "--url", url));
    line.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(line);
    builder.environment().keySet().removeIf(key -> key.startsWith("WORKMATE_"));
    Process cli = builder.start();
    cli.getOutputStream().close();
    CompletableFuture<String> err =
        CompletableFuture.supplyAsync(() -> readAll(cli.getErrorStream()));
    String out = readAll(cli.getInputStream());
    if (!cli.waitFor(60, TimeUnit.SECONDS)) {
      cli.destroyForcibly();
      fail("workmate " + command + " did not finish within 60 s");
    }
    return new CliRun(cli.exitValue(), out, err.get());
  }

  private static String readAll(java.io.InputStream in) {
    try (in) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }

  // ---- HTTP ----

  public HttpResponse<String> call(String method, String path, String body) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url + path))
        .timeout(Duration.ofSeconds(30));
    if (body != null) {
      request.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    } else {
      request.method(method, HttpRequest.BodyPublishers.noBody());
    }
    return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  public JsonNode get(String path) throws Exception {
    HttpResponse<String> response = call("GET", path, null);
    assertEquals(200, response.statusCode(), path + ": " + response.body());
    return JSON.readTree(response.body());
  }

  /** Submits a job; its id. */
  public String submit(String json) throws Exception {
    HttpResponse<String> response = call("POST", "/v1/jobs", json);
    assertEquals(202, response.statusCode(), "submit " + json + ": " + response.body());
    return JSON.readTree(response.body()).path("id").asText();
  }

  /** How many jobs the service lists with {@code status}, over every page. */
  int count(String status) throws Exception {
    int total = 0;
    String after = null;
    do {
      JsonNode page = get("/v1/jobs?status=" + status + "&limit=1000"
          + (after == null ? "" : "&after=" + after));
      total += page.path("jobs").size();
      after = page.path("next").isTextual() ? page.path("next").asText() : null;
    } while (after != null);
    return total;
  }

  public JsonNode job(String id) throws Exception {
    return get("/v1/jobs/" + id);
  }

  public String status(String id) throws Exception {
    return job(id).path("status").asText();
  }

  /** The job's transitions, oldest first, as their type names. */
  List<String> history(String id) throws Exception {
    JsonNode events = get("/v1/jobs/" + id + "/history").path("events");
    List<String> types = new java.util.ArrayList<>();
    events.forEach(event -> types.add(event.path("type").asText()));
    return types;
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      process.destroyForcibly();
      try {
        process.waitFor(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
