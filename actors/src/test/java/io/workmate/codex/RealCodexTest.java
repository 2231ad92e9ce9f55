package io.workmate.codex;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.io.TempDir;

/**
 * Base of the tests that drive the real codex binary: one actor test kit and one
 * {@link CodexFixture} (scripted provider + private CODEX_HOME) per test class.
 */
abstract class RealCodexTest {

  static final Duration TIMEOUT = Duration.ofSeconds(60);

  static ActorTestKit testKit;

  @TempDir static Path root;

  static CodexFixture fixture;

  @BeforeAll
  static void startRealCodex() {
    testKit = ActorTestKit.create();
    fixture = CodexFixture.start(root);
  }

  @AfterAll
  static void stopRealCodex() {
    testKit.shutdownTestKit();
    fixture.close();
  }

  static ActorRef<CodexThread.Command> open(ActorRef<CodexPool.Command> pool,
      ThreadSettings settings, ThreadProbe events) {
    TestProbe<CodexPool.ThreadOpened> opened = testKit.createTestProbe();
    pool.tell(new CodexPool.OpenThread(settings, Optional.empty(), List.of(events.ref()),
        opened.getRef()));
    ActorRef<CodexThread.Command> thread = opened.receiveMessage().thread();
    events.await(ThreadEvent.Ready.class, TIMEOUT);
    return thread;
  }

  static TurnResult runTurn(ActorRef<CodexThread.Command> thread, String prompt) {
    TestProbe<TurnResult> result = testKit.createTestProbe();
    thread.tell(new CodexThread.RunTurn(prompt, result.getRef()));
    return result.receiveMessage(TIMEOUT);
  }
}
