package io.workmate.persistence;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.workmate.persistence.Counter.Ack;
import io.workmate.persistence.Counter.Add;
import io.workmate.persistence.Counter.Added;
import io.workmate.persistence.Counter.State;
import java.io.Serializable;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.persistence.testkit.javadsl.EventSourcedBehaviorTestKit;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.jackson.JacksonCborSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class SerializationBindingTest {

  /** Serializable the Java way but not marked: must not be persisted silently. */
  record Unmarked(int value) implements Serializable {}

  // In-memory journal: this class checks serialization, not the database.
  private static final ActorTestKit testKit = ActorTestKit.create("serialization",
      EventSourcedBehaviorTestKit.config().withFallback(ConfigFactory.load()));

  @AfterAll
  static void shutdown() {
    testKit.shutdownTestKit();
  }

  @Test
  void cborSerializableRecordsAreBoundToJacksonCbor() {
    Serialization serialization = SerializationExtension.get(testKit.system());

    var serializer = serialization.findSerializerFor(new Added(3));

    assertInstanceOf(JacksonCborSerializer.class, serializer);
    assertEquals(33, serializer.identifier(), "jackson-cbor's serializer id");
    testKit.serializationTestKit().verifySerialization(new State(42, 7), true);
    TestProbe<Ack> probe = testKit.createTestProbe();
    testKit.serializationTestKit().verifySerialization(new Add(1, probe.ref()), true);
  }

  @Test
  void javaSerializationStaysOff() {
    assertFalse(testKit.system().settings().config().getBoolean("pekko.actor.allow-java-serialization"));
    Serialization serialization = SerializationExtension.get(testKit.system());
    assertTrue(serialization.serialize(new Unmarked(1)).isFailure(),
        "an unmarked class must not be written with Java serialization");
  }

  @Test
  void theCounterPassesThePersistenceTestKitsSerializationChecks() {
    // The testkit round-trips every command, event and state through the real serializers.
    EventSourcedBehaviorTestKit<Counter.Command, Added, State> counter =
        EventSourcedBehaviorTestKit.create(testKit.system(), Counter.create("counter-serialized", 2, null));

    var result = counter.<Ack>runCommand(replyTo -> new Add(4, replyTo));

    assertEquals(new Added(4), result.event());
    assertEquals(new State(4, 1), result.state());
    assertEquals(new Ack(1, 4), result.reply());
  }
}
