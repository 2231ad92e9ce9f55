package io.workmate.testkit;

import static org.awaitility.Awaitility.await;

import com.typesafe.config.ConfigFactory;
import io.workmate.persistence.JournalStartup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.serialization.Serialization;
import org.apache.pekko.serialization.SerializationExtension;
import org.apache.pekko.serialization.Serializers;

/**
 * A cluster of one node in the test's JVM, on a real embedded journal in a temp dir, Up before
 * it is handed over: for the sharded actors' tests. Also the wire-format round trip that what
 * crosses nodes must survive.
 */
public final class OneNodeCluster {

  private OneNodeCluster() {}

  /** A test kit named {@code name} whose system is the cluster's only member, Up. */
  public static ActorTestKit start(String name) throws Exception {
    Path root = Files.createTempDirectory(name);
    ActorTestKit testKit = ActorTestKit.create(name, ConfigFactory.parseString("""
        pekko.actor.provider = cluster
        pekko.remote.artery.canonical.hostname = 127.0.0.1
        pekko.remote.artery.canonical.port = 0
        pekko.cluster.jmx.multi-mbeans-in-same-jvm = on
        """).withFallback(H2TestJournal.config(root.resolve("journal/workmate"))));
    JournalStartup.start(testKit.system(), H2TestJournal.STARTUP_TIMEOUT);
    Cluster cluster = Cluster.get(testKit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    await().atMost(Duration.ofSeconds(30))
        .until(() -> cluster.selfMember().status() == MemberStatus.up());
    return testKit;
  }

  /** {@code message} serialized as it would be to another node, and read back. */
  public static Object roundTrip(ActorTestKit testKit, Object message) {
    Serialization serialization = SerializationExtension.get(testKit.system().classicSystem());
    var serializer = serialization.findSerializerFor(message);
    return serialization.deserialize(serialization.serialize(message).get(),
        serializer.identifier(), Serializers.manifestFor(serializer, message)).get();
  }
}
