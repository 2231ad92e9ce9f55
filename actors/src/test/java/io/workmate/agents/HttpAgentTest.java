package io.workmate.agents;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.onSuccess;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The http agent against a real Pekko HTTP server on 127.0.0.1. */
class HttpAgentTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static final ActorTestKit testKit = ActorTestKit.create("http-agent");
  private static final LinkedBlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
  private static ServerBinding server;

  @BeforeAll
  static void startServer() throws Exception {
    Route routes = post(() -> entity(Unmarshaller.entityToString(), body -> {
      JsonNode request = read(body);
      received.add(request);
      return concat(
          path("json", () -> complete(HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.APPLICATION_JSON, "{\"text\":\"done: " + request.path("prompt")
                  .asText() + "\",\"extra\":1}")))),
          path("plain", () -> complete(HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.TEXT_PLAIN_UTF8, "plain answer")))),
          path("fail", () -> complete(HttpResponse.create()
              .withStatus(StatusCodes.INTERNAL_SERVER_ERROR).withEntity(HttpEntities.create(
                  ContentTypes.TEXT_PLAIN_UTF8, "model exploded")))),
          path("notext", () -> complete(HttpResponse.create().withEntity(HttpEntities.create(
              ContentTypes.APPLICATION_JSON, "{\"answer\":42}")))),
          path("slow", () -> onSuccess(CompletableFuture.supplyAsync(() -> "late",
              CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS)),
              late -> complete(late))));
    }));
    server = Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(routes)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static JsonNode read(String body) {
    try {
      return json.readTree(body);
    } catch (Exception e) {
      return json.createObjectNode().put("unreadable", body);
    }
  }

  private static ActorRef<Agent.Command> agent(String endpoint, String cwd) {
    AgentProfile profile = new AgentProfile("remote", AgentKind.HTTP, Set.of("java"), 4, 0);
    return testKit.spawn(HttpAgent.create(new AgentRegistration(profile, endpoint, null, cwd,
        Duration.ofSeconds(60))));
  }

  private static String url(String path) {
    return "http://127.0.0.1:" + server.localAddress().getPort() + "/" + path;
  }

  /** Invokes and returns the final update, checking that Started came first. */
  private static Agent.Update.Finished invoke(ActorRef<Agent.Command> agent, String id,
      String prompt, String cwd, Duration timeout) {
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    agent.tell(new Agent.Invoke(new Agent.Invocation(id, prompt, cwd, null, timeout),
        updates.ref()));
    assertEquals(new Agent.Update.Started(id, null), updates.receiveMessage());
    Agent.Update.Finished finished = assertInstanceOf(Agent.Update.Finished.class,
        updates.receiveMessage(Duration.ofSeconds(15)));
    assertEquals(id, finished.invocationId());
    updates.expectNoMessage(Duration.ofMillis(100));
    return finished;
  }

  @Test
  void aJsonTextAnswerSucceedsAndTheRequestCarriesIdPromptAndCwd() throws Exception {
    received.clear();
    Agent.Update.Finished finished = invoke(agent(url("json"), "/srv/default"), "job-1#1",
        "fix it", "/srv/job", Duration.ofSeconds(10));

    assertEquals(Agent.Outcome.SUCCEEDED, finished.outcome());
    assertEquals("done: fix it", finished.text());
    assertNull(finished.error());
    JsonNode request = received.poll(5, TimeUnit.SECONDS);
    assertEquals("job-1#1", request.path("invocationId").asText());
    assertEquals("fix it", request.path("prompt").asText());
    assertEquals("/srv/job", request.path("cwd").asText(), "the invocation's cwd wins");
  }

  @Test
  void theRegisteredCwdIsTheDefaultAndAbsentWithoutOne() throws Exception {
    received.clear();
    invoke(agent(url("json"), "/srv/default"), "a", "p", null, Duration.ofSeconds(10));
    assertEquals("/srv/default", received.poll(5, TimeUnit.SECONDS).path("cwd").asText());
    invoke(agent(url("json"), null), "b", "p", null, Duration.ofSeconds(10));
    assertTrue(received.poll(5, TimeUnit.SECONDS).path("cwd").isMissingNode());
  }

  @Test
  void aPlainTextBodyIsTheAnswer() {
    Agent.Update.Finished finished = invoke(agent(url("plain"), null), "p", "hi", null,
        Duration.ofSeconds(10));

    assertEquals(Agent.Outcome.SUCCEEDED, finished.outcome());
    assertEquals("plain answer", finished.text());
  }

  @Test
  void http500FailsWithTheStatusAndTheBody() {
    Agent.Update.Finished finished = invoke(agent(url("fail"), null), "f", "hi", null,
        Duration.ofSeconds(10));

    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertTrue(finished.error().contains("HTTP 500"), finished.error());
    assertTrue(finished.error().contains("model exploded"), finished.error());
    assertNull(finished.text());
  }

  @Test
  void jsonWithoutTextFails() {
    Agent.Update.Finished finished = invoke(agent(url("notext"), null), "n", "hi", null,
        Duration.ofSeconds(10));

    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertTrue(finished.error().contains("without a string \"text\""), finished.error());
  }

  @Test
  void noAnswerWithinTheTimeoutFailsAtTheTimeout() {
    long start = System.nanoTime();
    Agent.Update.Finished finished = invoke(agent(url("slow"), null), "s", "hi", null,
        Duration.ofMillis(700));
    long tookMs = (System.nanoTime() - start) / 1_000_000;

    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertTrue(finished.error().contains("did not answer within 700 ms"), finished.error());
    assertTrue(tookMs < 2500, "failed at the timeout, not when the answer came: " + tookMs);
  }

  @Test
  void aRefusedConnectionFailsWithAClearError() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    String endpoint = "http://127.0.0.1:" + closedPort + "/invoke";
    Agent.Update.Finished finished = invoke(agent(endpoint, null), "r", "hi", null,
        Duration.ofSeconds(10));

    assertEquals(Agent.Outcome.FAILED, finished.outcome());
    assertTrue(finished.error().startsWith("cannot reach " + endpoint), finished.error());
    assertTrue(finished.error().toLowerCase().contains("refused"), finished.error());
  }

  @Test
  void anInterruptEndsTheInvocationAtOnceAndTheLateAnswerIsIgnored() {
    ActorRef<Agent.Command> agent = agent(url("slow"), null);
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    agent.tell(new Agent.Invoke(new Agent.Invocation("i", "hi", null, null,
        Duration.ofSeconds(30)), updates.ref()));
    updates.expectMessageClass(Agent.Update.Started.class);

    agent.tell(new Agent.Interrupt("i"));

    Agent.Update.Finished finished = assertInstanceOf(Agent.Update.Finished.class,
        updates.receiveMessage(Duration.ofSeconds(2)));
    assertEquals(Agent.Outcome.INTERRUPTED, finished.outcome());
    updates.expectNoMessage(Duration.ofSeconds(4)); // the answer arrives after 3 s: dropped
  }

  @Test
  void concurrentInvocationsEachGetTheirOwnAnswer() {
    ActorRef<Agent.Command> agent = agent(url("json"), null);
    TestProbe<Agent.Update> updates = testKit.createTestProbe();
    for (String id : List.of("c1", "c2", "c3")) {
      agent.tell(new Agent.Invoke(new Agent.Invocation(id, "prompt " + id, null, null,
          Duration.ofSeconds(10)), updates.ref()));
    }
    java.util.Map<String, String> texts = new java.util.HashMap<>();
    while (texts.size() < 3) {
      if (updates.receiveMessage(Duration.ofSeconds(10)) instanceof Agent.Update.Finished f) {
        texts.put(f.invocationId(), f.text());
      }
    }
    assertEquals(java.util.Map.of("c1", "done: prompt c1", "c2", "done: prompt c2", "c3",
        "done: prompt c3"), texts);
  }
}
