package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.workmate.jobs.JobSpec;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

/** One pass checks and binds: what a body becomes, and how each wording refuses. */
class BodyReaderTest {

  private static final Instant NOW = Instant.parse("2026-01-02T03:04:05Z");

  @Test
  void aFullSubmitBindsEveryFieldIntoTheJobSpec() {
    RequestBodies.SubmitJob submit = BodyReader.read("{\"prompt\":\"p\",\"agent\":\"a-1\","
        + "\"capabilities\":[\"code\"],\"priority\":-3,\"maxAttempts\":2,\"timeoutSeconds\":9,"
        + "\"deadlineSeconds\":60,\"cwd\":\"/tmp/../tmp\",\"approval\":\"never\","
        + "\"idempotencyKey\":\"k\"}", RequestBodies.SubmitJob.class);
    JobSpec spec = submit.toSpec(new RequestBodies.Defaults(3, 600), NOW);

    assertEquals("p", spec.prompt());
    assertEquals("a-1", spec.agent());
    assertEquals(List.of("code"), List.copyOf(spec.capabilities()));
    assertEquals(-3, spec.priority());
    assertEquals(2, spec.maxAttempts());
    assertEquals(9, spec.timeoutSeconds());
    assertEquals(NOW.plusSeconds(60), spec.deadline());
    assertEquals("/tmp", spec.cwd());
    assertEquals("never", spec.approvalPolicy());
    assertEquals("k", spec.idempotencyKey());
    JobSpec plain = BodyReader.read("{\"prompt\":\"p\",\"agent\":null}",
        RequestBodies.SubmitJob.class).toSpec(new RequestBodies.Defaults(3, 600), NOW);
    assertEquals(3, plain.maxAttempts(), "the defaults when the body does not say");
    assertNull(plain.agent(), "JSON null is an absent field");
  }

  @Test
  void nestedRecordsNumbersAndBooleansBindAsTheBodySaysThem() {
    RequestBodies.SubmitJob submit = BodyReader.read("{\"prompt\":\"p\",\"workspace\":"
        + "{\"repo\":\"/r\",\"branch\":\"b\"}}", RequestBodies.SubmitJob.class);
    assertEquals(new RequestBodies.WorkspaceRequest("/r", null, "b"), submit.workspace());
    RequestBodies.RegisterAgent agent = BodyReader.read("{\"id\":\"a\",\"capabilities\":"
        + "[\"x\",\"y\"],\"maxConcurrent\":4,\"ttlSeconds\":3600}",
        RequestBodies.RegisterAgent.class);
    assertEquals(List.of("x", "y"), agent.capabilities());
    assertEquals(4, agent.maxConcurrent());
    assertEquals(3600L, agent.ttlSeconds());
    assertNull(agent.kind());
    assertEquals(Boolean.FALSE, BodyReader.read("{\"prompt\":\"p\",\"preferOnline\":false}",
        RequestBodies.SendMessage.class).preferOnline());
    ApiError nested = assertThrows(ApiError.class, () -> BodyReader.read("{\"prompt\":\"p\","
        + "\"workspace\":{\"repo\":\"/r\",\"x\":1}}", RequestBodies.SubmitJob.class));
    assertEquals("unknown field \"workspace.x\"; allowed: base, branch, repo",
        nested.getMessage());
  }

  @Test
  void theUnknownFieldRefusalListsTheRecordsFields() {
    ApiError typed = assertThrows(ApiError.class, () -> BodyReader.read(
        "{\"decision\":\"accept\",\"x\":1}", RequestBodies.Decide.class));
    assertEquals("unknown field \"x\"; allowed: decision", typed.getMessage());
    // the registry's refusal keeps the API's order, the others are sorted
    ApiError plain = assertThrows(ApiError.class, () -> BodyReader.read("{\"x\":1}",
        RequestBodies.RegisterAgent.class));
    assertEquals("unknown field \"x\"; allowed: id, kind, capabilities, maxConcurrent, "
        + "rateLimitPerMinute, endpoint, model, cwd, ttlSeconds", plain.getMessage());
  }

  @Test
  void eachWordingRefusesInItsOwnWords() {
    ApiError typed = assertThrows(ApiError.class, () -> BodyReader.read("{\"seconds\":\"5\"}",
        RequestBodies.Stall.class));
    assertEquals("invalid_type", typed.code());
    assertEquals("\"seconds\" must be an integer, not a string", typed.getMessage());

    ApiError plain = assertThrows(ApiError.class, () -> BodyReader.read(
        "{\"id\":\"a\",\"maxConcurrent\":1.5}", RequestBodies.RegisterAgent.class));
    assertEquals("invalid", plain.code());
    assertEquals("\"maxConcurrent\" must be a whole number", plain.getMessage());
    // presence and values are the registry's: a registration without an id still binds
    assertNull(BodyReader.read("{\"kind\":\"codex\",\"maxConcurrent\":0}",
        RequestBodies.RegisterAgent.class).id());

    ApiError request = assertThrows(ApiError.class, () -> BodyReader.read(
        "{\"prompt\":\"x\",\"preferOnline\":null}", RequestBodies.SendMessage.class));
    assertEquals("invalid_request", request.code());
    assertEquals("\"preferOnline\" must be true or false", request.getMessage());
  }

  @Test
  void anOptionalBodyMayBeEmpty() throws Exception {
    org.apache.pekko.actor.ActorSystem system =
        org.apache.pekko.actor.ActorSystem.create("body-reader");
    try {
      RequestBodies.Drain drain = BodyReader.optionalUnmarshaller(RequestBodies.Drain.class)
          .unmarshal(org.apache.pekko.http.javadsl.model.HttpEntities.EMPTY, system)
          .toCompletableFuture().get(10, java.util.concurrent.TimeUnit.SECONDS);
      assertNull(drain.reason());
    } finally {
      system.terminate();
    }
  }
}
