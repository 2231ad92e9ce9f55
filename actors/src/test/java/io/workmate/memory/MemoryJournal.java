package io.workmate.memory;

import com.typesafe.config.Config;
import io.workmate.testkit.H2TestJournal;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;

/** The real embedded journal (an H2 file) for memory tests, and small ask helpers. */
final class MemoryJournal {

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private MemoryJournal() {}

  static Config config(Path h2) {
    return H2TestJournal.config(h2);
  }

  static ActorTestKit start(String name, Path h2) {
    return H2TestJournal.start(name, h2);
  }

  /** Sends {@code command} to the directory and returns the reply. */
  static AgentMemory.Reply ask(ActorTestKit kit, ActorRef<MemoryDirectory.Command> directory,
      String agentId, Function<ActorRef<AgentMemory.Reply>, AgentMemory.Command> command) {
    TestProbe<AgentMemory.Reply> probe = kit.createTestProbe();
    directory.tell(new MemoryDirectory.ToAgent(agentId, command.apply(probe.getRef())));
    AgentMemory.Reply reply = probe.receiveMessage(TIMEOUT);
    probe.stop();
    return reply;
  }

  static AgentMemory.Reply append(ActorTestKit kit, ActorRef<MemoryDirectory.Command> directory,
      String agentId, String kind, String text, java.util.List<String> tags) {
    return ask(kit, directory, agentId, replyTo -> new AgentMemory.Append(kind, text, tags,
        replyTo));
  }
}
