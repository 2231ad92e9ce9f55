package io.workmate.registry;

import io.workmate.agents.AgentRegistration;
import io.workmate.persistence.JournalStartup;
import io.workmate.testkit.ManualClock;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.TreeSet;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The child JVM of {@link AgentRegistryRestartTest}: registers agents on the H2 file journal
 * given as the only argument, heartbeats one, prints {@code AGENT <id> <expiresAt|-> <caps>}
 * for every agent and then {@code READY}, and waits to be killed.
 */
public final class RegistryWriter {

  private static final Duration ASK = Duration.ofSeconds(20);

  private RegistryWriter() {}

  public static void main(String[] args) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "registry-writer",
        io.workmate.testkit.H2TestJournal.config(Path.of(args[0])));
    try {
      JournalStartup.start(system, Duration.ofSeconds(30));
      // stands still but for the skip below: nothing expires in the writer by its own slowness
      ManualClock clock = new ManualClock(Instant.now());
      ActorRef<AgentRegistry.Command> registry = system.systemActorOf(
          AgentRegistry.create("default", AgentRegistryTest.FACTORIES, clock), "agent-registry",
          Props.empty());
      register(system, registry, AgentRegistryTest.http("reviewer", 600, "java", "review"));
      register(system, registry, AgentRegistryTest.local("local-codex", "java", "review",
          "local"));
      register(system, registry, AgentRegistryTest.http("pythonista", 600, "python"));
      // so the heartbeat moves the deadline by more than the granularity
      clock.advance(Duration.ofMillis(1500));
      AgentRegistry.Reply beat = ask(system, registry,
          replyTo -> new AgentRegistry.Heartbeat("reviewer", replyTo));
      System.out.println("HEARTBEAT " + ((AgentRegistry.Reply.Current) beat).agent().expiresAt());
      register(system, registry, AgentRegistryTest.http("fading", 20, "java"));
      register(system, registry, AgentRegistryTest.http("flaky", 3, "java"));
      AgentRegistry.Agents agents = AskPattern.<AgentRegistry.Command, AgentRegistry.Agents>ask(
          registry, AgentRegistry.ListAgents::new, ASK, system.scheduler())
          .toCompletableFuture().get();
      for (RegisteredAgent agent : agents.agents()) {
        System.out.println("AGENT " + agent.id() + " "
            + (agent.expiresAt() == null ? "-" : agent.expiresAt().toString()) + " "
            + String.join(",", new TreeSet<>(agent.registration().profile().capabilities())));
      }
      System.out.println("READY");
      System.out.flush();
      system.getWhenTerminated().toCompletableFuture().join(); // until the test kills it
    } catch (Exception e) {
      e.printStackTrace();
      system.terminate();
      System.exit(1);
    }
  }

  private static void register(ActorSystem<?> system, ActorRef<AgentRegistry.Command> registry,
      AgentRegistration.Request request) throws Exception {
    AgentRegistry.Reply reply = ask(system, registry,
        replyTo -> new AgentRegistry.Register(request, replyTo));
    if (!(reply instanceof AgentRegistry.Reply.Registered)) {
      throw new IllegalStateException("not registered: " + reply);
    }
  }

  /** Blocking get, one ask at a time: no CompletableFuture callbacks (stack.md pitfall 1). */
  private static AgentRegistry.Reply ask(ActorSystem<?> system,
      ActorRef<AgentRegistry.Command> registry,
      Function<ActorRef<AgentRegistry.Reply>, AgentRegistry.Command> command) throws Exception {
    return AskPattern.ask(registry, command::apply, ASK, system.scheduler())
        .toCompletableFuture().get();
  }
}
