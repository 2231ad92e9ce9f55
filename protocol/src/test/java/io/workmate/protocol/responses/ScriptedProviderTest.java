package io.workmate.protocol.responses;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Drives the real provider over loopback HTTP, the way codex does. */
@Timeout(value = 120, unit = TimeUnit.SECONDS)
class ScriptedProviderTest {

  private static final Duration GENEROUS = Duration.ofSeconds(30);
  private static final String END_OF_STREAM = "\u0000end";

  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(GENEROUS)
          .build();
  private ScriptedProvider provider;

  @BeforeEach
  void startProvider() {
    provider = ScriptedProvider.start();
  }

  @AfterEach
  void closeProvider() {
    provider.close();
  }

  // ---- stream shape ----

  @Test
  void defaultTextStreamHasCodexEventOrderAndDeltasAddUpToTheMessage() throws Exception {
    HttpResponse<String> response = post(RequestBodies.prompt("say hello"));

    assertEquals(200, response.statusCode());
    assertTrue(
        response.headers().firstValue("content-type").orElse("").startsWith("text/event-stream"));
    List<SseEvent> events = SseEvent.parseAll(response.body());
    assertEquals(
        List.of(
            "response.created",
            "response.output_item.added",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_text.delta",
            "response.output_item.done",
            "response.completed"),
        SseEvent.types(events));
    events.forEach(event -> assertEquals(event.type(), event.event(), "event: line matches type"));

    String doneText = messageText(events);
    assertEquals(Directives.GREETING + "say hello", doneText);
    assertEquals(doneText, concatenatedDeltas(events));

    JsonNode added = events.get(1).data().path("item");
    JsonNode done = events.get(6).data().path("item");
    assertEquals("in_progress", added.path("status").asText());
    assertEquals("completed", done.path("status").asText());
    assertEquals("assistant", done.path("role").asText());
    assertEquals(added.path("id").asText(), done.path("id").asText());
    assertEquals(added.path("id").asText(), events.get(2).data().path("item_id").asText());

    JsonNode created = events.get(0).data().path("response");
    JsonNode completed = events.get(7).data().path("response");
    assertTrue(created.path("id").asText().startsWith("resp_"));
    assertEquals(created.path("id").asText(), completed.path("id").asText());
    JsonNode usage = completed.path("usage");
    assertTrue(usage.path("input_tokens").asLong() > 0, "usage: " + usage);
    assertEquals(
        usage.path("input_tokens").asLong() + usage.path("output_tokens").asLong(),
        usage.path("total_tokens").asLong());
  }

  @Test
  void everyResponseGetsItsOwnIds() throws Exception {
    List<SseEvent> first = events(RequestBodies.prompt("one"));
    List<SseEvent> second = events(RequestBodies.prompt("two"));

    assertFalse(responseId(first).equals(responseId(second)));
    assertFalse(
        first.get(1).data().path("item").path("id").asText()
            .equals(second.get(1).data().path("item").path("id").asText()));
  }

  @Test
  void defaultReplyEchoesThePromptWithoutDirectivesTruncated() throws Exception {
    String longPrompt = "x".repeat(500);
    assertEquals(
        Directives.GREETING + "x".repeat(Directives.ECHO_LIMIT),
        messageText(events(RequestBodies.prompt("[[mode:text]] " + longPrompt))));
  }

  // ---- directives ----

  @Test
  void replyDirectiveStreamsExactlyTheTextInTheRequestedChunks() throws Exception {
    List<SseEvent> events =
        events(RequestBodies.prompt("please [[reply:Hi there, friend!]] [[chunks:3]]"));

    assertEquals("Hi there, friend!", messageText(events));
    assertEquals("Hi there, friend!", concatenatedDeltas(events));
    assertEquals(3, countOfType(events, "response.output_text.delta"));
  }

  @Test
  void execDirectiveCallsTheShellTool() throws Exception {
    List<SseEvent> events = events(RequestBodies.prompt("[[exec:echo hi && pwd]]"));

    assertEquals(
        List.of("response.created", "response.output_item.done", "response.completed"),
        SseEvent.types(events));
    JsonNode call = events.get(1).data().path("item");
    assertEquals("function_call", call.path("type").asText());
    assertEquals("exec_command", call.path("name").asText());
    assertTrue(call.path("call_id").asText().startsWith("call_"));
    JsonNode arguments = SseEvent.parseJson(call.path("arguments").asText());
    assertEquals("echo hi && pwd", arguments.path("cmd").asText());
    assertEquals(2000, arguments.path("yield_time_ms").asInt());
  }

  @Test
  void patchDirectiveCallsApplyPatchWithAnAddFilePatch() throws Exception {
    List<SseEvent> events = events(RequestBodies.prompt("[[patch:notes/hello.txt:hello\\nworld]]"));

    assertEquals(
        List.of("response.created", "response.output_item.done", "response.completed"),
        SseEvent.types(events));
    JsonNode call = events.get(1).data().path("item");
    assertEquals("custom_tool_call", call.path("type").asText());
    assertEquals("apply_patch", call.path("name").asText());
    assertEquals(
        "*** Begin Patch\n*** Add File: notes/hello.txt\n+hello\n+world\n*** End Patch\n",
        call.path("input").asText());
  }

  @Test
  void httpDirectiveAnswers500WithAnOpenAiErrorBody() throws Exception {
    HttpResponse<String> response = post(RequestBodies.prompt("[[http:500]]"));

    assertEquals(500, response.statusCode());
    JsonNode error = SseEvent.parseJson(response.body()).path("error");
    assertEquals("scripted HTTP 500", error.path("message").asText());
    assertEquals("server_error", error.path("type").asText());
    assertFalse(error.path("code").asText().isEmpty());
  }

  @Test
  void httpDirectiveAnswers429AsARateLimit() throws Exception {
    HttpResponse<String> response = post(RequestBodies.prompt("[[http:429]]"));

    assertEquals(429, response.statusCode());
    JsonNode error = SseEvent.parseJson(response.body()).path("error");
    assertEquals("scripted HTTP 429", error.path("message").asText());
    assertEquals("rate_limit_exceeded", error.path("code").asText());
  }

  @Test
  void failDirectiveEndsTheStreamWithResponseFailed() throws Exception {
    HttpResponse<String> response = post(RequestBodies.prompt("[[fail:the model fell over]]"));

    assertEquals(200, response.statusCode());
    List<SseEvent> events = SseEvent.parseAll(response.body());
    assertEquals(List.of("response.created", "response.failed"), SseEvent.types(events));
    assertEquals(
        "the model fell over",
        events.get(1).data().path("response").path("error").path("message").asText());
  }

  @Test
  void delayModifierPausesBetweenEvents() throws Exception {
    long started = System.nanoTime();
    List<SseEvent> events = events(RequestBodies.prompt("[[reply:slow]] [[delay:100]] [[chunks:2]]"));
    long elapsedMs = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);

    assertEquals("slow", messageText(events));
    assertEquals(6, events.size());
    // Five pauses of 100 ms between six events: a lower bound only, never a speed limit.
    assertTrue(elapsedMs >= 450, "took only " + elapsedMs + " ms");
  }

  @Test
  void badDirectiveValueIsReportedAsTextNotAnError() throws Exception {
    HttpResponse<String> response = post(RequestBodies.prompt("[[http:abc]]"));

    assertEquals(200, response.statusCode());
    String text = messageText(SseEvent.parseAll(response.body()));
    assertTrue(text.contains("[[http:abc]]"), text);
  }

  // ---- conversation awareness ----

  @Test
  void toolFollowUpReportsTheOutputInsteadOfRunningTheToolAgain() throws Exception {
    String body =
        RequestBodies.conversation()
            .user("[[exec:echo hello-from-shell]]")
            .functionCall("call_7", "echo hello-from-shell")
            .functionCallOutput("call_7", "Process exited with code 0\nOutput:\nhello-from-shell\n")
            .json();

    // messageText() also checks that the only output item is a message, not another call.
    assertEquals(
        "Tool finished. Output:\nProcess exited with code 0\nOutput:\nhello-from-shell\n",
        messageText(events(body)));
  }

  @Test
  void patchFollowUpAlsoEndsWithText() throws Exception {
    String body =
        RequestBodies.conversation()
            .user("[[patch:a.txt:hi]]")
            .customToolCall("call_3", "*** Begin Patch\n*** End Patch\n")
            .customToolCallOutput("call_3", "Success. Updated the following files:\nA a.txt\n")
            .json();

    assertEquals(
        "Tool finished. Output:\nSuccess. Updated the following files:\nA a.txt\n",
        messageText(events(body)));
  }

  @Test
  void recallListsEarlierPromptsButNotInjectedContext() throws Exception {
    String body =
        RequestBodies.conversation()
            .user("my name is Ada")
            .assistant("Nice to meet you.")
            .user("I like tea")
            .assistant("Noted.")
            .user("[[recall]]")
            .json();

    assertEquals("I remember: my name is Ada | I like tea", messageText(events(body)));
  }

  @Test
  void recallInAFreshThreadRemembersNothing() throws Exception {
    assertEquals("I remember nothing.", messageText(events(RequestBodies.prompt("[[recall]]"))));
  }

  // ---- precedence ----

  @Test
  void queuedRepliesWinOverDirectivesThenDirectivesResume() throws Exception {
    provider.enqueue(ScriptedReply.text("from the queue"));
    provider.enqueue(ScriptedReply.exec("ls"));

    assertEquals("from the queue", messageText(events(RequestBodies.prompt("[[reply:ignored]]"))));
    List<SseEvent> second = events(RequestBodies.prompt("[[reply:ignored]]"));
    assertEquals("exec_command", second.get(1).data().path("item").path("name").asText());
    assertEquals("ignored", messageText(events(RequestBodies.prompt("[[reply:ignored]]"))));
  }

  @Test
  void scriptDecidesWhenItAnswersAndDirectivesOtherwise() throws Exception {
    provider.setScript(
        request ->
            request.lastUserText().contains("scripted")
                ? ScriptedReply.text("script says hi")
                : null);

    assertEquals("script says hi", messageText(events(RequestBodies.prompt("scripted please"))));
    assertEquals("direct", messageText(events(RequestBodies.prompt("[[reply:direct]]"))));

    provider.enqueue(ScriptedReply.text("queue first"));
    assertEquals("queue first", messageText(events(RequestBodies.prompt("scripted please"))));

    provider.setScript(null);
    assertTrue(
        messageText(events(RequestBodies.prompt("scripted please")))
            .startsWith(Directives.GREETING));
  }

  @Test
  void scriptThatThrowsBecomesA500() throws Exception {
    provider.setScript(
        request -> {
          throw new IllegalStateException("boom");
        });

    HttpResponse<String> response = post(RequestBodies.prompt("anything"));

    assertEquals(500, response.statusCode());
    assertTrue(
        SseEvent.parseJson(response.body()).path("error").path("message").asText()
            .contains("boom"));
  }

  // ---- protocol errors ----

  @Test
  void malformedBodyIs400AndNotRecorded() throws Exception {
    HttpResponse<String> response = post("{\"input\": [oops");

    assertEquals(400, response.statusCode());
    assertFalse(
        SseEvent.parseJson(response.body()).path("error").path("message").asText().isEmpty());
    assertEquals(0, provider.requestCount());
  }

  @Test
  void unknownPathIs404() throws Exception {
    HttpResponse<String> response =
        client.send(
            request(URI.create(provider.baseUrl() + "/models")).GET().build(),
            HttpResponse.BodyHandlers.ofString());

    assertEquals(404, response.statusCode());
    assertTrue(
        SseEvent.parseJson(response.body()).path("error").path("message").asText()
            .contains("/v1/models"));
  }

  @Test
  void getOnResponsesIs405() throws Exception {
    HttpResponse<String> response =
        client.send(request(responsesUri()).GET().build(), HttpResponse.BodyHandlers.ofString());

    assertEquals(405, response.statusCode());
    assertEquals(Optional.of("POST"), response.headers().firstValue("allow"));
    assertTrue(SseEvent.parseJson(response.body()).path("error").has("message"));
  }

  // ---- stalls, concurrency, lifecycle ----

  @Test
  void stallSendsTheFirstEventsThenNothingUntilClose() throws Exception {
    HttpResponse<InputStream> response =
        client.send(
            request(responsesUri())
                .POST(HttpRequest.BodyPublishers.ofString(RequestBodies.prompt("[[stall]]")))
                .build(),
            HttpResponse.BodyHandlers.ofInputStream());
    assertEquals(200, response.statusCode());
    BlockingQueue<String> lines = readLinesInBackground(response.body());

    List<String> dataLines = new ArrayList<>();
    while (dataLines.size() < 3) {
      String line = lines.poll(GENEROUS.toSeconds(), TimeUnit.SECONDS);
      assertNotNull(line, "first events did not arrive");
      assertFalse(END_OF_STREAM.equals(line), "stream ended early");
      if (line.startsWith("data: ")) {
        dataLines.add(line);
      }
    }
    assertTrue(dataLines.get(2).contains("response.output_text.delta"), dataLines.toString());

    String afterDelta = pollNonBlank(lines, Duration.ofSeconds(1));
    assertNull(afterDelta, "a stalled stream must stay silent");

    provider.close();
    String end = pollNonBlank(lines, GENEROUS);
    assertEquals(END_OF_STREAM, end, "close() must release the stalled stream");
  }

  @Test
  void thirtyTwoParallelStreamsAllComplete() throws Exception {
    int parallel = 32;
    List<CompletableFuture<HttpResponse<String>>> inFlight = new ArrayList<>();
    for (int i = 0; i < parallel; i++) {
      String body = RequestBodies.prompt("[[reply:answer-" + i + "]] [[delay:20]]");
      inFlight.add(client.sendAsync(postRequest(body), HttpResponse.BodyHandlers.ofString()));
    }

    Set<String> responseIds = new HashSet<>();
    for (int i = 0; i < parallel; i++) {
      HttpResponse<String> response = inFlight.get(i).get(GENEROUS.toSeconds(), TimeUnit.SECONDS);
      List<SseEvent> events = SseEvent.parseAll(response.body());
      assertEquals("answer-" + i, messageText(events));
      assertEquals("response.completed", events.get(events.size() - 1).type());
      responseIds.add(responseId(events));
    }
    assertEquals(parallel, responseIds.size(), "ids must be unique");
    assertEquals(parallel, provider.requestCount());
  }

  @Test
  void requestsAreRecordedWithBodiesAndLowerCasedHeadersInOrder() throws Exception {
    String first = RequestBodies.prompt("first prompt");
    client.send(
        request(responsesUri())
            .header("Thread-Id", "thread-42")
            .header("Authorization", "Bearer mock-key")
            .POST(HttpRequest.BodyPublishers.ofString(first))
            .build(),
        HttpResponse.BodyHandlers.ofString());
    post(RequestBodies.prompt("second prompt"));

    List<RecordedRequest> requests = provider.requests();
    assertEquals(2, requests.size());
    assertEquals(2, provider.requestCount());
    RecordedRequest recorded = requests.get(0);
    assertEquals(ScriptedProvider.RESPONSES_PATH, recorded.path());
    assertEquals("thread-42", recorded.threadId());
    assertEquals("Bearer mock-key", recorded.headers().get("authorization"));
    assertEquals("gpt-5.5", recorded.body().path("model").asText());
    assertTrue(recorded.body().path("stream").asBoolean());
    assertEquals("first prompt", recorded.lastUserText());
    assertEquals("second prompt", requests.get(1).lastUserText());
    assertNull(requests.get(1).threadId());

    post(RequestBodies.prompt("third"));
    assertEquals(2, requests.size(), "requests() is a snapshot");
  }

  @Test
  void baseUrlPointsAtTheBoundPort() {
    assertTrue(provider.port() > 0);
    assertEquals("http://127.0.0.1:" + provider.port() + "/v1", provider.baseUrl());
  }

  @Test
  void closeFreesThePortAndIsIdempotent() throws Exception {
    URI uri = responsesUri();
    provider.close();
    provider.close();

    assertThrows(
        ConnectException.class,
        () ->
            client.send(
                request(uri).POST(HttpRequest.BodyPublishers.ofString("{}")).build(),
                HttpResponse.BodyHandlers.ofString()));
  }

  // ---- helpers ----

  private HttpResponse<String> post(String body) throws IOException, InterruptedException {
    return client.send(postRequest(body), HttpResponse.BodyHandlers.ofString());
  }

  private List<SseEvent> events(String body) throws IOException, InterruptedException {
    HttpResponse<String> response = post(body);
    assertEquals(200, response.statusCode(), response.body());
    return SseEvent.parseAll(response.body());
  }

  private HttpRequest postRequest(String body) {
    return request(responsesUri())
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body))
        .build();
  }

  private HttpRequest.Builder request(URI uri) {
    return HttpRequest.newBuilder(uri).timeout(GENEROUS).header("Accept", "text/event-stream");
  }

  private URI responsesUri() {
    return URI.create(provider.baseUrl() + "/responses");
  }

  private static String messageText(List<SseEvent> events) {
    List<SseEvent> done =
        events.stream()
            .filter(event -> event.type().equals("response.output_item.done"))
            .collect(Collectors.toList());
    assertEquals(1, done.size(), "exactly one output item: " + SseEvent.types(events));
    JsonNode item = done.get(0).data().path("item");
    assertEquals("message", item.path("type").asText(), item.toString());
    return item.path("content").path(0).path("text").asText();
  }

  private static String concatenatedDeltas(List<SseEvent> events) {
    return events.stream()
        .filter(event -> event.type().equals("response.output_text.delta"))
        .map(event -> event.data().path("delta").asText())
        .collect(Collectors.joining());
  }

  private static long countOfType(List<SseEvent> events, String type) {
    return events.stream().filter(event -> event.type().equals(type)).count();
  }

  private static String responseId(List<SseEvent> events) {
    return events.get(0).data().path("response").path("id").asText();
  }

  /** Lines of a live stream, ending with {@link #END_OF_STREAM} on EOF or a broken connection. */
  private static BlockingQueue<String> readLinesInBackground(InputStream body) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
                for (String line = in.readLine(); line != null; line = in.readLine()) {
                  lines.add(line);
                }
              } catch (IOException connectionDropped) {
                // the stream ended abruptly, which also counts as released
              } finally {
                lines.add(END_OF_STREAM);
              }
            },
            "sse-reader");
    reader.setDaemon(true);
    reader.start();
    return lines;
  }

  /** The next non-blank line within {@code timeout}, or null when none arrived. */
  private static String pollNonBlank(BlockingQueue<String> lines, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (true) {
      long remaining = deadline - System.nanoTime();
      String line = lines.poll(Math.max(0, remaining), TimeUnit.NANOSECONDS);
      if (line == null || !line.isBlank()) {
        return line;
      }
    }
  }
}
