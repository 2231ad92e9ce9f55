package io.workmate.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.nativeos.SystemdNotifier;
import io.workmate.nativeos.UnixDatagramReceiver;
import io.workmate.runtime.EffectiveMode;
import io.workmate.runtime.Mode;
import io.workmate.runtime.RuntimeSupervisor;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.ManualTime;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The watchdog's beats on Pekko's manual clock, with probes for the supervisor and the
 * dispatcher and a real datagram socket for systemd: a ping per beat only when both answered,
 * none while one of them does not.
 */
class ServiceWatchdogTest {

  private static final Duration WATCHDOG = Duration.ofSeconds(2);
  private static final Duration BEAT = WATCHDOG.dividedBy(2);

  @TempDir Path tmp;
  private ActorTestKit testKit;
  private ManualTime time;
  private UnixDatagramReceiver systemd;
  private SystemdNotifier notifier;
  private TestProbe<RuntimeSupervisor.Command> runtime;
  private TestProbe<JobDispatcher.Command> dispatcher;

  @BeforeEach
  void start() {
    testKit = ActorTestKit.create(ManualTime.config());
    time = ManualTime.get(testKit.system());
    Path socket = tmp.resolve("notify.sock");
    systemd = UnixDatagramReceiver.bind(socket);
    notifier = SystemdNotifier.fromEnvironment(Map.of("NOTIFY_SOCKET", socket.toString(),
        "WATCHDOG_USEC", Long.toString(WATCHDOG.toNanos() / 1000)));
    runtime = testKit.createTestProbe();
    dispatcher = testKit.createTestProbe();
    testKit.spawn(ServiceWatchdog.create(notifier, runtime.getRef(), dispatcher.getRef(),
        () -> new JournalHealth.State("h2", true, "ok", Instant.EPOCH), new DrainSignal(),
        new ServiceWatchdog.Settings(notifier.watchdogInterval(), Duration.ofMinutes(10)),
        Clock.systemUTC()));
  }

  @AfterEach
  void stop() {
    testKit.shutdownTestKit();
    systemd.close();
    notifier.close();
  }

  @Test
  void readyThenAPingPerBeatWhileBothAnswerAndNoneWhileTheDispatcherIsStuck() {
    answerRuntime();
    answerDispatcher();
    String ready = next();
    assertTrue(ready.contains("READY=1") && ready.contains("MAINPID="), ready);
    assertTrue(next().startsWith("STATUS=mode offline; 0 running, 0 queued"));
    assertEquals("WATCHDOG=1", next());

    for (int beat = 0; beat < 3; beat++) {
      time.timePasses(BEAT);
      answerRuntime();
      answerDispatcher();
      assertEquals("WATCHDOG=1", next(), "beat " + beat);
    }

    // a dispatcher that does not answer within a quarter beat: no ping, this beat or the next
    time.timePasses(BEAT);
    answerRuntime();
    dispatcher.expectMessageClass(JobDispatcher.GetStats.class);
    time.timePasses(BEAT.dividedBy(4).plusMillis(1));
    assertEquals(Optional.empty(), systemd.receive(Duration.ofMillis(300)));

    // it answers again: the next beat pings, on the same fixed rate
    time.timePasses(BEAT.minus(BEAT.dividedBy(4).plusMillis(1)));
    answerRuntime();
    answerDispatcher();
    assertEquals("WATCHDOG=1", next());
  }

  @Test
  void noReadyWhileTheDispatcherIsStillRecovering() {
    answerRuntime();
    dispatcher.expectMessageClass(JobDispatcher.GetStats.class).replyTo()
        .tell(stats(true));
    assertEquals(Optional.empty(), systemd.receive(Duration.ofMillis(300)));
    time.timePasses(Duration.ofMillis(200));
    answerRuntime();
    answerDispatcher();
    assertTrue(next().contains("READY=1"));
  }

  private void answerRuntime() {
    RuntimeSupervisor.GetState ask = runtime.expectMessageClass(RuntimeSupervisor.GetState.class);
    ask.replyTo().tell(new RuntimeSupervisor.RuntimeState(Mode.OFFLINE, EffectiveMode.OFFLINE,
        Set.of(), "offline", List.of(), Instant.EPOCH));
  }

  private void answerDispatcher() {
    dispatcher.expectMessageClass(JobDispatcher.GetStats.class).replyTo().tell(stats(false));
  }

  private static JobStats stats(boolean recovering) {
    return new JobStats(Map.<JobStatus, Long>of(), Map.of(), Map.of(), recovering,
        false);
  }

  private String next() {
    return systemd.receive(Duration.ofSeconds(5)).orElseThrow(
        () -> new AssertionError("nothing reached the notify socket within 5 s"));
  }
}
