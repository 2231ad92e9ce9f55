package io.workmate.codex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.protocol.codex.CodexMethods;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Predicate;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * What a misbehaving child does to the app-server actor: garbage on stdout, requests Workmate
 * does not handle, a binary that dies at once or never answers. Each gives a clear error and
 * backoff, never a crash loop of the actor.
 */
class CodexBadInputTest extends RealCodexTest {


  @Test
  void garbageOnStdoutAndAnUnknownServerRequestAreSurvived() throws Exception {
    Path stdinLog = root.resolve("stdin.log");
    Path wrapper = script("noisy-codex",
        "echo 'this line is not JSON at all'\n"
            + "echo '[1,2,3]'\n"
            + "echo '{\"id\":\"srv-1\",\"method\":\"mystery/request\",\"params\":{}}'\n"
            + "tee -a '" + stdinLog + "' | '" + CodexFixture.realBinary() + "' \"$@\"");
    ActorRef<CodexAppServer.Command> server = testKit.spawn(
        CodexAppServer.create("noisy", fixture.appServerSettings(wrapper)));
    ActorRef<CodexThread.Command> thread = testKit.spawn(CodexThread.create(server,
        fixture.threadSettings("noisy"), Optional.empty(), List.of()));

    TestProbe<TurnResult> result = testKit.createTestProbe();
    thread.tell(new CodexThread.RunTurn("[[reply:unbothered]]", result.getRef()));
    TurnResult turn = result.receiveMessage(TIMEOUT);

    assertEquals(TurnResult.Outcome.COMPLETED, turn.outcome(), () -> turn.error().orElse(""));
    assertEquals("unbothered", turn.finalText());
    CodexAppServer.Status status = status(server, s -> true);
    assertEquals(0, status.restarts(), "garbage must not restart the process");
    assertEquals(1, status.generation());
    String sent = Files.readString(stdinLog);
    assertTrue(sent.contains("\"id\":\"srv-1\"") && sent.contains("\"error\"")
        && sent.contains("mystery/request"), "the unknown request was answered with an error: "
        + sent);
    testKit.stop(thread);
    testKit.stop(server, Duration.ofSeconds(30));
  }

  @Test
  void aBinaryThatDiesAtOnceIsRestartedWithBackoffAndCallsFailClearly() throws Exception {
    Path dying = script("dying-codex", "echo 'codex: broken install' >&2\nexit 3");
    ActorRef<CodexAppServer.Command> server =
        testKit.spawn(CodexAppServer.create("dying", fixture.appServerSettings(dying)));

    CodexAppServer.Status status = status(server, s -> s.restarts() >= 3);

    assertTrue(status.lastExit().orElse("").contains("exited with status 3"),
        status.lastExit().toString());
    TestProbe<CallResult> reply = testKit.createTestProbe();
    server.tell(CodexAppServer.Call.of(CodexMethods.MODEL_LIST, null, reply.getRef()));
    CallResult result = reply.receiveMessage(TIMEOUT);
    assertTrue(result instanceof CallResult.Failure failure
        && failure.kind() == CallResult.Kind.PROCESS_UNAVAILABLE
        && failure.reason().contains("status 3"), result.toString());
    testKit.stop(server, Duration.ofSeconds(30));
  }

  @Test
  void aBinaryThatNeverAnswersInitializeIsKilledAndRestarted() throws Exception {
    Path silent = script("silent-codex", "exec sleep 600");
    AppServerSettings base = fixture.appServerSettings(silent);
    AppServerSettings settings = new AppServerSettings(base.binary(), base.environment(),
        base.requestTimeout(), Duration.ofSeconds(1), base.restartBackoff(), base.stableAfter(),
        base.stopGrace(), base.optOutNotifications());
    ActorRef<CodexAppServer.Command> server =
        testKit.spawn(CodexAppServer.create("silent", settings));

    CodexAppServer.Status status = status(server, s -> s.restarts() >= 2);

    assertTrue(status.lastExit().orElse("").contains("initialize"), status.lastExit().toString());
    testKit.stop(server, Duration.ofSeconds(30));
  }

  @Test
  void aMissingBinaryIsReportedNotThrown() {
    ActorRef<CodexAppServer.Command> server = testKit.spawn(CodexAppServer.create("missing",
        fixture.appServerSettings(root.resolve("no/such/codex"))));

    CodexAppServer.Status status = status(server, s -> s.restarts() >= 1);

    assertTrue(status.lastExit().orElse("").contains("could not start"),
        status.lastExit().toString());
    testKit.stop(server, Duration.ofSeconds(30));
  }

  /** Asks for the status until it matches; the last one asked fails the test if none did. */
  private CodexAppServer.Status status(ActorRef<CodexAppServer.Command> server,
      Predicate<CodexAppServer.Status> until) {
    TestProbe<CodexAppServer.Status> probe = testKit.createTestProbe();
    return Awaitility.await("a matching status of " + server.path().name())
        .atMost(TIMEOUT).pollInterval(Duration.ofMillis(100))
        .until(() -> {
          server.tell(new CodexAppServer.GetStatus(probe.getRef()));
          return probe.receiveMessage();
        }, until::test);
  }

  private static Path script(String name, String body) throws IOException {
    Path file = root.resolve("bin").resolve(name);
    Files.createDirectories(file.getParent());
    Files.writeString(file, "#!/bin/sh\n" + body + "\n");
    Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rwxr-xr-x"));
    return file;
  }
}
