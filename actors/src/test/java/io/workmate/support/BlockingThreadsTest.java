package io.workmate.support;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

/** Blocking work goes where the configuration says, and only pipe readers get threads. */
class BlockingThreadsTest {

  @Test
  void anActorSpawnedOnTheConfiguredBlockingDispatcherRunsOnItsThreads() throws Exception {
    ActorTestKit testKit = ActorTestKit.create("blocking", ConfigFactory.parseString(
        "workmate.blocking-dispatcher { type = Dispatcher, executor = thread-pool-executor,"
            + " thread-pool-executor.fixed-pool-size = 2 }"));
    try {
      assertEquals(DispatcherSelector.fromConfig(BlockingThreads.DISPATCHER),
          BlockingThreads.dispatcher(testKit.system()));
      assertTrue(threadOfAnActorOn(testKit).contains("workmate.blocking-dispatcher"));
      String executorThread = CompletableFuture.supplyAsync(
          () -> Thread.currentThread().getName(), BlockingThreads.executor(testKit.system()))
          .get(10, TimeUnit.SECONDS);
      assertTrue(executorThread.contains("workmate.blocking-dispatcher"), executorThread);
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void withoutTheSettingPekkosOwnBlockingDispatcherServes() {
    ActorTestKit testKit = ActorTestKit.create("unconfigured");
    try {
      assertEquals(DispatcherSelector.blocking(), BlockingThreads.dispatcher(testKit.system()));
      String thread = threadOfAnActorOn(testKit);
      assertTrue(thread.contains("default-blocking-io-dispatcher"), thread);
    } finally {
      testKit.shutdownTestKit();
    }
  }

  @Test
  void aLoopGetsADaemonThreadOfItsOwnUnderItsName() throws Exception {
    CompletableFuture<String> ran = new CompletableFuture<>();
    Thread thread = BlockingThreads.start("reader-1",
        () -> ran.complete(Thread.currentThread().getName()));
    assertEquals("reader-1", ran.get(10, TimeUnit.SECONDS));
    assertTrue(thread.isDaemon());
  }

  private static String threadOfAnActorOn(ActorTestKit testKit) {
    TestProbe<String> probe = testKit.createTestProbe();
    ActorRef<String> actor = testKit.spawn(Behaviors.<String>receiveMessage(message -> {
      probe.getRef().tell(Thread.currentThread().getName());
      return Behaviors.same();
    }), "worker", BlockingThreads.dispatcher(testKit.system()));
    actor.tell("which thread?");
    return probe.receiveMessage();
  }
}
