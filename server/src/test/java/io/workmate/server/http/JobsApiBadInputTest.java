package io.workmate.server.http;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Malformed and refused requests against the real job API (H2 journal, dispatcher, HTTP): each
 * gets its exact status, the error code, and a message that says what is wrong.
 */
class JobsApiBadInputTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final String DONE = "{done}";

  @TempDir static Path dir;
  private static JobsApiServer server;
  /** A job that already succeeded: cancelling or retrying it is a 409. */
  private static String doneJob;

  enum Auth { TOKEN, NONE, WRONG, BASIC }

  record Case(String method, String path, String body, Auth auth, int status, String code,
      String fragment) {
    @Override
    public String toString() {
      String shown = body == null ? "" : " " + (body.length() > 60
          ? body.substring(0, 60) + "..." : body);
      return method + " " + path + shown + (auth == Auth.TOKEN ? "" : " [" + auth + "]")
          + " -> " + status + " " + code;
    }
  }

  private static Case bad(String method, String path, String body, int status, String code,
      String fragment) {
    return new Case(method, path, body, Auth.TOKEN, status, code, fragment);
  }

  private static Case submit(String body, int status, String code, String fragment) {
    return bad("POST", "/v1/jobs", body, status, code, fragment);
  }

  private static Case withField(String field, String value, int status, String code,
      String fragment) {
    return submit("{\"prompt\":\"x\",\"" + field + "\":" + value + "}", status, code, fragment);
  }

  static Stream<Case> cases() {
    return Stream.of(
        // the body as a whole
        submit("{not json", 400, "malformed_json", "not valid JSON"),
        submit("[\"x\"]", 400, "malformed_json", "must be a JSON object"),
        submit("", 400, "malformed_json", "must be a JSON object"),
        submit("null", 400, "malformed_json", "must be a JSON object"),
        submit("{\"prompt\":\"" + "x".repeat(70_000) + "\"}", 413, "payload_too_large",
            "larger than 65536 bytes"),
        submit("{\"prompt\":\"x\",\"extra\":1}", 400, "unknown_field", "unknown field \"extra\""),
        submit("{\"prompt\":\"x\",\"Prompt\":\"y\"}", 400, "unknown_field",
            "unknown field \"Prompt\""),
        // prompt
        submit("{}", 400, "missing_field", "\"prompt\" is required"),
        submit("{\"prompt\":null}", 400, "missing_field", "\"prompt\" is required"),
        submit("{\"prompt\":\"\"}", 400, "invalid_value", "\"prompt\" must not be empty"),
        submit("{\"prompt\":\"  \\n \"}", 400, "invalid_value", "\"prompt\" must not be empty"),
        submit("{\"prompt\":42}", 400, "invalid_type", "\"prompt\" must be a string, not a number"),
        submit("{\"prompt\":[\"a\"]}", 400, "invalid_type",
            "\"prompt\" must be a string, not an array"),
        // numbers
        withField("priority", "\"high\"", 400, "invalid_type",
            "\"priority\" must be an integer, not a string"),
        withField("priority", "1.5", 400, "invalid_type", "\"priority\" must be a whole number"),
        withField("priority", "1001", 400, "invalid_value",
            "\"priority\" must be between -1000 and 1000"),
        withField("priority", "-1001", 400, "invalid_value",
            "\"priority\" must be between -1000 and 1000"),
        withField("priority", "99999999999999999999999", 400, "invalid_value",
            "\"priority\" must be between"),
        withField("maxAttempts", "0", 400, "invalid_value",
            "\"maxAttempts\" must be between 1 and 100, not 0"),
        withField("maxAttempts", "-3", 400, "invalid_value", "\"maxAttempts\" must be between"),
        withField("maxAttempts", "101", 400, "invalid_value", "\"maxAttempts\" must be between"),
        withField("maxAttempts", "true", 400, "invalid_type",
            "\"maxAttempts\" must be an integer, not a boolean"),
        withField("timeoutSeconds", "0", 400, "invalid_value",
            "\"timeoutSeconds\" must be between 1 and 86400"),
        withField("timeoutSeconds", "86401", 400, "invalid_value",
            "\"timeoutSeconds\" must be between"),
        withField("timeoutSeconds", "\"60\"", 400, "invalid_type",
            "\"timeoutSeconds\" must be an integer, not a string"),
        withField("deadlineSeconds", "0", 400, "invalid_value",
            "\"deadlineSeconds\" must be between 1 and"),
        withField("deadlineSeconds", "{}", 400, "invalid_type",
            "\"deadlineSeconds\" must be an integer, not an object"),
        // strings and lists
        withField("capabilities", "\"code\"", 400, "invalid_type",
            "\"capabilities\" must be an array of strings, not a string"),
        withField("capabilities", "[1]", 400, "invalid_type", "but holds a number"),
        withField("capabilities", "[\"Bad Cap\"]", 400, "invalid_value", "not a capability"),
        withField("agent", "7", 400, "invalid_type", "\"agent\" must be a string"),
        withField("agent", "\"No Such!\"", 400, "invalid_value", "\"agent\" is not an agent id"),
        withField("approval", "\"sometimes\"", 400, "invalid_value",
            "\"approval\" must be one of never, on-request, untrusted"),
        withField("approval", "false", 400, "invalid_type", "\"approval\" must be a string"),
        withField("cwd", "\"relative/dir\"", 400, "invalid_value", "must be an absolute path"),
        withField("cwd", "\"/no/such/dir/anywhere\"", 400, "invalid_value", "is not a directory"),
        withField("idempotencyKey", "\"\"", 400, "invalid_value",
            "\"idempotencyKey\" must be 1 to 200 characters"),
        withField("idempotencyKey", "\"" + "k".repeat(201) + "\"", 400, "invalid_value",
            "\"idempotencyKey\" must be 1 to 200 characters"),
        withField("idempotencyKey", "5", 400, "invalid_type", "\"idempotencyKey\" must be a string"),
        // routing: well-formed, but no agent fits
        withField("agent", "\"nobody\"", 422, "no_matching_agent", "nobody"),
        withField("capabilities", "[\"telepathy\"]", 422, "no_matching_agent", "telepathy"),
        // auth
        new Case("POST", "/v1/jobs", "{\"prompt\":\"x\"}", Auth.NONE, 401, "unauthorized",
            "Authorization: Bearer"),
        new Case("GET", "/v1/jobs", null, Auth.WRONG, 401, "unauthorized", "Bearer"),
        new Case("GET", "/v1/approvals", null, Auth.BASIC, 401, "unauthorized", "Bearer"),
        new Case("GET", "/metrics", null, Auth.NONE, 401, "unauthorized", "Bearer"),
        new Case("GET", "/v1/openapi.json", null, Auth.NONE, 401, "unauthorized", "Bearer"),
        // listing parameters
        bad("GET", "/v1/jobs?status=done", null, 400, "invalid_value",
            "status must be one of queued, running, waiting_approval"),
        bad("GET", "/v1/jobs?limit=0", null, 400, "invalid_value",
            "limit must be a whole number from 1 to 1000, not '0'"),
        bad("GET", "/v1/jobs?limit=1001", null, 400, "invalid_value", "not '1001'"),
        bad("GET", "/v1/jobs?limit=ten", null, 400, "invalid_value", "not 'ten'"),
        bad("GET", "/v1/jobs?limit=-5", null, 400, "invalid_value", "not '-5'"),
        bad("GET", "/v1/jobs?after=not%20an%20id", null, 400, "invalid_value",
            "after must be a job id"),
        bad("GET", "/v1/dead-letters?status=queued", null, 400, "unknown_parameter",
            "status is fixed on this route"),
        bad("GET", "/v1/dead-letters?limit=0", null, 400, "invalid_value", "limit must be"),
        // unknown ids
        bad("GET", "/v1/jobs/job-doesnotexist", null, 404, "not_found",
            "no job 'job-doesnotexist'"),
        bad("GET", "/v1/jobs/job-nope/history", null, 404, "not_found", "no job 'job-nope'"),
        bad("GET", "/v1/jobs/job-nope/events", null, 404, "not_found", "no job 'job-nope'"),
        bad("POST", "/v1/jobs/job-nope/cancel", null, 404, "not_found", "no job 'job-nope'"),
        bad("POST", "/v1/jobs/job-nope/retry", null, 404, "not_found", "no job 'job-nope'"),
        bad("GET", "/v1/jobs/bad!id", null, 404, "not_found", "no job 'bad!id'"),
        // transitions the job's status does not allow
        bad("POST", "/v1/jobs/" + DONE + "/cancel", null, 409, "invalid_transition", ""),
        bad("POST", "/v1/jobs/" + DONE + "/retry", null, 409, "invalid_transition", ""),
        // approvals
        bad("POST", "/v1/approvals/nope", "{\"decision\":\"maybe\"}", 400, "invalid_value",
            "\"decision\" must be one of accept, decline, cancel, not 'maybe'"),
        bad("POST", "/v1/approvals/nope", "{}", 400, "missing_field", "\"decision\" is required"),
        bad("POST", "/v1/approvals/nope", "{\"decision\":1}", 400, "invalid_type",
            "\"decision\" must be a string"),
        bad("POST", "/v1/approvals/nope", "{\"decision\":\"accept\",\"why\":\"x\"}", 400,
            "unknown_field", "unknown field \"why\""),
        bad("POST", "/v1/approvals/nope", "{", 400, "malformed_json", "not valid JSON"),
        bad("POST", "/v1/approvals/nope", "{\"decision\":\"accept\"}", 404, "not_found",
            "no job waits on approval 'nope'"),
        // methods and paths
        bad("DELETE", "/v1/jobs", null, 405, "method_not_allowed", "use POST or GET"),
        bad("PUT", "/v1/jobs/" + DONE, null, 405, "method_not_allowed", "use GET"),
        bad("GET", "/v1/jobs/job-x/cancel", null, 405, "method_not_allowed", "use POST"),
        bad("POST", "/v1/dead-letters", "{}", 405, "method_not_allowed", "use GET"),
        bad("GET", "/v1/approvals/x", null, 405, "method_not_allowed", "use POST"),
        bad("POST", "/metrics", "{}", 405, "method_not_allowed", "use GET"),
        bad("GET", "/v1/jobs/", null, 404, "not_found", "no such route"),
        bad("GET", "/v1/jobs/a/b/c", null, 404, "not_found", "no such route"));
  }

  @BeforeAll
  static void start() throws Exception {
    server = JobsApiServer.start(dir);
    HttpResponse<String> submitted = server.call("POST", "/v1/jobs",
        "{\"prompt\":\"done already\",\"agent\":\"echo\"}");
    assertEquals(202, submitted.statusCode(), submitted.body());
    doneJob = json.readTree(submitted.body()).path("id").asText();
    await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(50))
        .untilAsserted(() -> assertEquals("succeeded", json.readTree(
            server.call("GET", "/v1/jobs/" + doneJob, null).body()).path("status").asText()));
  }

  @AfterAll
  static void stop() {
    server.close();
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("cases")
  void aBadRequestGetsItsStatusCodeAndAMessageThatSaysWhy(Case bad) throws Exception {
    String path = bad.path().replace(DONE, doneJob);
    HttpResponse<String> response = switch (bad.auth()) {
      case TOKEN -> server.call(bad.method(), path, bad.body());
      case NONE -> server.call(bad.method(), path, bad.body(), new String[0]);
      case WRONG -> server.call(bad.method(), path, bad.body(), "Authorization",
          "Bearer not-the-token");
      case BASIC -> server.call(bad.method(), path, bad.body(), "Authorization",
          "Basic " + JobsApiServer.TOKEN);
    };

    assertEquals(bad.status(), response.statusCode(), response.body());
    assertTrue(response.headers().firstValue("content-type").orElse("")
        .startsWith("application/json"), response.headers().toString());
    JsonNode error = json.readTree(response.body()).path("error");
    assertEquals(bad.code(), error.path("code").asText(), response.body());
    String message = error.path("message").asText();
    assertTrue(message.contains(bad.fragment()), "message: " + message);
    assertTrue(message.length() > 5, response.body());
    assertFalse(response.body().contains("\tat ") || response.body().contains("Exception"),
        "no stack trace or exception name: " + response.body());
    assertFalse(response.body().contains(JobsApiServer.TOKEN), "the token is never echoed");
  }

  @org.junit.jupiter.api.Test
  void theTableHasAtLeastFortyCases() {
    assertTrue(cases().count() >= 40, "cases: " + cases().count());
  }
}
