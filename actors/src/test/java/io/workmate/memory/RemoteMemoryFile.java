package io.workmate.memory;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.gateway.GatewayReply;
import io.workmate.gateway.GatewayStatus;
import io.workmate.gateway.LinkState;
import io.workmate.gateway.testkit.OpenClawGateway;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * A test's own view of the remote {@code MEMORY.md}: a direct connection to the gateway (no
 * proxy) to read the file back, and to edit it as "someone else" would.
 */
final class RemoteMemoryFile {

  static final Duration TIMEOUT = Duration.ofSeconds(90);

  record File(String content, String hash) {}

  private final ActorTestKit kit;
  private final ActorRef<GatewayConnection.Command> connection;
  private final String agent;
  private final String name;

  RemoteMemoryFile(ActorTestKit kit, OpenClawGateway gateway, Path stateDir, String agent,
      String name) {
    this.kit = kit;
    this.agent = agent;
    this.name = name;
    this.connection = kit.spawn(GatewayConnection.create(
        GatewayEndpoint.of("files", gateway.url(), gateway.token()).withStateDir(stateDir)));
    awaitConnected(kit, connection);
  }

  static void awaitConnected(ActorTestKit kit, ActorRef<GatewayConnection.Command> connection) {
    TestProbe<GatewayStatus> statuses = kit.createTestProbe();
    connection.tell(new GatewayConnection.WatchStatus(statuses.getRef()));
    List<String> seen = new ArrayList<>();
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (System.nanoTime() < deadline) {
      GatewayStatus status = statuses.receiveMessage(TIMEOUT);
      seen.add(status.state() + " (" + status.detail() + ")");
      if (status.state() == LinkState.CONNECTED) {
        statuses.stop();
        return;
      }
    }
    throw new AssertionError("the test's gateway connection never connected; saw " + seen);
  }

  File get() {
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("agentId", agent)
        .put("name", name);
    GatewayReply reply = call("agents.files.get", params);
    // The gateway refuses a read that a concurrent write's rename overtook; a client reads again.
    for (int retry = 0; retry < 20 && isOvertakenRead(reply); retry++) {
      reply = call("agents.files.get", params);
    }
    JsonNode file = ok(reply).get("file");
    if (file.path("missing").asBoolean(false)) {
      return new File(null, null);
    }
    return new File(file.path("content").asText(), file.path("hash").asText());
  }

  String content() {
    String content = get().content();
    return content == null ? "" : content;
  }

  /** Writes {@code content} if the file still has {@code expectedHash}; false on a conflict. */
  boolean set(String content, String expectedHash) {
    ObjectNode params = JsonNodeFactory.instance.objectNode().put("agentId", agent)
        .put("name", name).put("content", content);
    if (expectedHash != null) {
      params.put("expectedHash", expectedHash);
    }
    GatewayReply reply = call("agents.files.set", params);
    if (reply instanceof GatewayReply.Rejected rejected && rejected.error().details() != null
        && "agent_file_conflict".equals(rejected.error().details().path("type").asText())) {
      return false;
    }
    ok(reply);
    return true;
  }

  /** Appends {@code line} at the end of the file like another writer would: read, CAS, retry. */
  void appendLineAsSomeoneElse(String line) {
    for (int i = 0; i < 50; i++) {
      File file = get();
      String content = file.content() == null ? "" : file.content();
      if (set(content + line + "\n", file.hash())) {
        return;
      }
    }
    throw new AssertionError("could not append after 50 conflicts");
  }

  private static boolean isOvertakenRead(GatewayReply reply) {
    return reply instanceof GatewayReply.Rejected rejected && rejected.error() != null
        && String.valueOf(rejected.error().message()).startsWith("unsafe workspace file");
  }

  private GatewayReply call(String method, ObjectNode params) {
    TestProbe<GatewayReply> probe = kit.createTestProbe();
    connection.tell(new GatewayConnection.Call(method, params,
        Optional.of(Duration.ofSeconds(30)), probe.getRef()));
    GatewayReply reply = probe.receiveMessage(Duration.ofSeconds(40));
    probe.stop();
    return reply;
  }

  private static JsonNode ok(GatewayReply reply) {
    if (reply instanceof GatewayReply.Ok ok) {
      return ok.payload();
    }
    throw new AssertionError("the gateway refused a file call: " + reply);
  }

  void stop() {
    kit.stop(connection);
  }
}
