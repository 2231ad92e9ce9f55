package io.workmate.memory;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.gateway.GatewayConnection;
import io.workmate.gateway.GatewayReply;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The sync actor's protocol with a scripted gateway (a probe) on the real H2 journal. */
class MemorySyncTest {

  @TempDir Path dir;
  private ActorTestKit kit;
  private ActorRef<MemoryDirectory.Command> directory;

  @BeforeEach
  void start() {
    kit = MemoryJournal.start("memory-sync-unit", dir.resolve("journal/workmate"));
    directory = kit.spawn(MemoryDirectory.create(), "memory");
  }

  @AfterEach
  void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aLostAcknowledgementIsHealedFromTheMarkerWithoutWritingTwice() {
    for (int i = 1; i <= 3; i++) {
      MemoryJournal.append(kit, directory, "a", "note", "n" + i, List.of());
    }
    TestProbe<GatewayConnection.Command> gateway = kit.createTestProbe();
    TestProbe<SyncStatus> statuses = kit.createTestProbe();
    ActorRef<MemorySync.Command> sync = kit.spawn(MemorySync.create("a",
        MemorySyncSettings.defaults(), gateway.getRef(), directory,
        kit.spawn(MemoryFileLocks.create()), statuses.getRef()));
    sync.tell(new MemorySync.CloudAvailable(true));

    GatewayConnection.Call get = gateway.expectMessageClass(GatewayConnection.Call.class,
        Duration.ofSeconds(20));
    assertEquals("agents.files.get", get.method());
    get.replyTo().tell(file(null, null));
    GatewayConnection.Call set = gateway.expectMessageClass(GatewayConnection.Call.class);
    assertEquals("agents.files.set", set.method());
    String written = set.params().get("content").asText();
    assertEquals(List.of(1L, 2L, 3L), MemorySection.entrySeqs(written, "a"));
    // the answer is lost: the call times out as unavailable
    set.replyTo().tell(new GatewayReply.Unavailable("link lost"));

    GatewayConnection.Call reread = gateway.expectMessageClass(GatewayConnection.Call.class,
        Duration.ofSeconds(20));
    assertEquals("agents.files.get", reread.method(), "after a lost answer: read the truth");
    reread.replyTo().tell(file(written, MemorySync.sha256(written)));

    // the marker says 3 are held: acknowledged without another set
    SyncStatus status = awaitSynced(statuses, 3);
    assertEquals(0, status.writes(), "the write whose answer was lost is not counted");
    org.junit.jupiter.api.Assertions.assertTrue(status.lastError().contains("link lost"),
        status.lastError());
    gateway.expectNoMessage(Duration.ofMillis(1500));
  }

  @Test
  void aFileThatLostOurSectionGetsEverythingAgainAfterTheConflict() {
    for (int i = 1; i <= 2; i++) {
      MemoryJournal.append(kit, directory, "b", "note", "n" + i, List.of());
    }
    TestProbe<GatewayConnection.Command> gateway = kit.createTestProbe();
    TestProbe<SyncStatus> statuses = kit.createTestProbe();
    ActorRef<MemorySync.Command> sync = kit.spawn(MemorySync.create("b",
        MemorySyncSettings.defaults(), gateway.getRef(), directory,
        kit.spawn(MemoryFileLocks.create()), statuses.getRef()));
    sync.tell(new MemorySync.CloudAvailable(true));
    call(gateway, "agents.files.get").replyTo().tell(file(null, null));
    GatewayConnection.Call first = call(gateway, "agents.files.set");
    String written = first.params().get("content").asText();
    first.replyTo().tell(file(written, MemorySync.sha256(written)));
    awaitSynced(statuses, 2);

    // someone replaces the whole file; our cached hash is stale now
    MemoryJournal.append(kit, directory, "b", "note", "n3", List.of());
    GatewayConnection.Call stale = call(gateway, "agents.files.set");
    assertEquals(MemorySync.sha256(written), stale.params().get("expectedHash").asText());
    ObjectNode details = JsonNodeFactory.instance.objectNode().put("type", "agent_file_conflict");
    stale.replyTo().tell(new GatewayReply.Rejected(new io.workmate.protocol.openclaw.GatewayError(
        "INVALID_REQUEST", "changed", details, null, null)));
    String replaced = "# rewritten by someone\n";
    call(gateway, "agents.files.get").replyTo().tell(file(replaced, MemorySync.sha256(replaced)));

    // the marker is gone: the offset goes back to 0 and all three are sent again, once
    GatewayConnection.Call resend = call(gateway, "agents.files.set");
    String content = resend.params().get("content").asText();
    assertEquals(MemorySync.sha256(replaced), resend.params().get("expectedHash").asText());
    assertEquals(List.of(1L, 2L, 3L), MemorySection.entrySeqs(content, "b"));
    assertEquals(true, content.startsWith(replaced), content);
    resend.replyTo().tell(file(content, MemorySync.sha256(content)));
    SyncStatus status = awaitSynced(statuses, 3);
    assertEquals(1, status.conflicts());
  }

  private static GatewayConnection.Call call(TestProbe<GatewayConnection.Command> gateway,
      String method) {
    GatewayConnection.Call call = gateway.expectMessageClass(GatewayConnection.Call.class,
        Duration.ofSeconds(20));
    assertEquals(method, call.method());
    return call;
  }

  private static SyncStatus awaitSynced(TestProbe<SyncStatus> statuses, long seq) {
    while (true) {
      SyncStatus status = statuses.receiveMessage(Duration.ofSeconds(20));
      if (status.syncedSeq() == seq) {
        return status;
      }
    }
  }

  static GatewayReply file(String content, String hash) {
    ObjectNode payload = JsonNodeFactory.instance.objectNode();
    ObjectNode file = payload.putObject("file").put("name", "MEMORY.md");
    if (content == null) {
      file.put("missing", true);
    } else {
      file.put("missing", false).put("content", content).put("hash", hash);
    }
    return new GatewayReply.Ok(payload);
  }
}
