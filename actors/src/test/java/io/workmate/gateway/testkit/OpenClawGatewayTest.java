package io.workmate.gateway.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.protocol.responses.RecordedRequest;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The fixture against the real gateway it starts: handshake, auth, and a model turn. */
class OpenClawGatewayTest {

  static final Duration TIMEOUT = Duration.ofSeconds(30);
  /** A cold turn spends most of its time preparing context (6-13 s measured); be generous. */
  static final Duration TURN_TIMEOUT = Duration.ofSeconds(120);

  static OpenClawGateway gateway;

  @BeforeAll
  static void startSharedGateway() {
    gateway = OpenClawGateway.shared();
  }

  @Test
  void theTokenHandshakeEndsInHelloOk() {
    try (GatewaySocket socket = gateway.openSocket(TIMEOUT)) {
      JsonNode response = socket.handshake(gateway.token(), TIMEOUT);

      assertTrue(response.path("ok").asBoolean(), response::toString);
      JsonNode hello = response.path("payload");
      assertEquals("hello-ok", hello.path("type").asText());
      assertEquals(GatewaySocket.PROTOCOL_VERSION, hello.path("protocol").asInt());
      assertEquals("operator", hello.path("auth").path("role").asText());
    }
  }

  @Test
  void aWrongTokenIsRefusedAsATokenMismatch() {
    try (GatewaySocket socket = gateway.openSocket(TIMEOUT)) {
      JsonNode response = socket.handshake("not-" + gateway.token(), TIMEOUT);

      assertFalse(response.path("ok").asBoolean(), response::toString);
      assertEquals("AUTH_TOKEN_MISMATCH",
          response.path("error").path("details").path("code").asText(), response::toString);
    }
  }

  @Test
  void anAgentTurnIsAnsweredByTheScriptedModel() {
    // Unique, because the shared gateway's provider also records other tests' requests.
    String reply = "hello from the scripted model " + UUID.randomUUID();
    try (GatewaySocket socket = gateway.openSocket(TIMEOUT)) {
      assertTrue(socket.handshake(gateway.token(), TIMEOUT).path("ok").asBoolean());

      socket.send(GatewaySocket.request("r2", "agent", agentParams("[[reply:" + reply + "]]")));

      JsonNode accepted = socket.awaitResponse("r2", TIMEOUT);
      assertEquals("accepted", accepted.path("payload").path("status").asText(),
          accepted::toString);
      JsonNode done = socket.awaitResponse("r2", TURN_TIMEOUT);
      assertEquals("ok", done.path("payload").path("status").asText(), done::toString);
      String text = done.path("payload").path("result").path("payloads").path(0).path("text")
          .asText();
      assertTrue(text.contains(reply), () -> "final result: " + done);
    }
    assertTrue(gateway.provider().requests().stream()
            .map(RecordedRequest::lastUserText)
            .anyMatch(prompt -> prompt.contains("[[reply:" + reply + "]]")),
        "OpenClaw sent the prompt to the scripted provider's /v1/responses");
  }

  /** A fresh session per run, so reruns against the shared gateway never see old history. */
  private static ObjectNode agentParams(String message) {
    ObjectNode params = GatewaySocket.object();
    params.put("message", message).put("agentId", "main");
    params.put("sessionKey", "agent:main:workmate-test-" + UUID.randomUUID());
    params.put("idempotencyKey", UUID.randomUUID().toString());
    return params;
  }
}
