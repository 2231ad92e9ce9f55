package io.workmate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.workmate.server.config.WorkmateSettings.Cluster.SeedNode;
import io.workmate.server.config.WorkmateSettings.Cluster;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Pekko config of cluster mode, and nothing at all without it. */
class ClusterConfigTest {

  private static Cluster cluster(boolean enabled, List<SeedNode> seeds,
      Optional<Cluster.Tls> tls) {
    return new Cluster(enabled, "10.0.0.5", 25520, seeds, List.of("jobs", "api"), "node-a", 12,
        Duration.ofSeconds(60), Duration.ofSeconds(7), Duration.ofMillis(5500), 7626, tls);
  }

  @Test
  void withoutClusterModeTheOverlayIsEmpty() {
    assertTrue(ClusterConfig.overlay(cluster(false, List.of(), Optional.empty())).isEmpty());
  }

  @Test
  void clusterModeSetsTheProviderArteryTheSeedsAndTheSplitBrainResolver() {
    Config config = ClusterConfig.overlay(cluster(true,
        List.of(new SeedNode("10.0.0.5", 25520), new SeedNode("node-b", 17355)),
        Optional.empty()));

    assertEquals("cluster", config.getString("pekko.actor.provider"));
    assertEquals("10.0.0.5", config.getString("pekko.remote.artery.canonical.hostname"));
    assertEquals(25520, config.getInt("pekko.remote.artery.canonical.port"));
    assertEquals("10.0.0.5", config.getString("pekko.remote.artery.bind.hostname"));
    assertFalse(config.hasPath("pekko.remote.artery.bind.port"), "the canonical port");
    assertEquals("tcp", config.getString("pekko.remote.artery.transport"));
    assertEquals(List.of("pekko://workmate@10.0.0.5:25520", "pekko://workmate@node-b:17355"),
        config.getStringList("pekko.cluster.seed-nodes"));
    assertEquals(List.of("jobs", "api"), config.getStringList("pekko.cluster.roles"));
    assertEquals("org.apache.pekko.cluster.sbr.SplitBrainResolverProvider",
        config.getString("pekko.cluster.downing-provider-class"));
    assertEquals("keep-majority",
        config.getString("pekko.cluster.split-brain-resolver.active-strategy"));
    assertEquals(Duration.ofSeconds(7),
        config.getDuration("pekko.cluster.split-brain-resolver.stable-after"));
    assertEquals(Duration.ofMillis(5500),
        config.getDuration("pekko.cluster.failure-detector.acceptable-heartbeat-pause"));
    assertEquals(7626, config.getInt("pekko.management.http.port"));
    assertEquals("10.0.0.5", config.getString("pekko.management.http.hostname"));
    assertEquals(true, config.getBoolean("pekko.management.http.route-providers-read-only"),
        "no leave or down over HTTP");
    assertFalse(config.getBoolean("pekko.coordinated-shutdown.exit-jvm"),
        "serve picks the exit code");
    assertEquals("off",
        config.getString("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes"));
    assertFalse(config.hasPath("pekko.remote.artery.ssl"));
  }

  @Test
  void noSeedNodesIsAnEmptyListSoTheNodeJoinsItself() {
    Config config = ClusterConfig.overlay(cluster(true, List.of(), Optional.empty()));
    assertEquals(List.of(), config.getStringList("pekko.cluster.seed-nodes"));
  }

  @Test
  void tlsSwitchesArteryToTlsTcpWithMutualAuthentication() {
    Cluster.Tls tls = new Cluster.Tls(Path.of("/etc/workmate/node.p12"), new Secret("ks"),
        new Secret("kp"), Path.of("/etc/workmate/trust.p12"), new Secret("ts"));
    Config config = ClusterConfig.overlay(cluster(true, List.of(), Optional.of(tls)));
    String ssl = "pekko.remote.artery.ssl.config-ssl-engine.";

    assertEquals("tls-tcp", config.getString("pekko.remote.artery.transport"));
    assertEquals("org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider",
        config.getString("pekko.remote.artery.ssl.ssl-engine-provider"));
    assertEquals("/etc/workmate/node.p12", config.getString(ssl + "key-store"));
    assertEquals("ks", config.getString(ssl + "key-store-password"));
    assertEquals("kp", config.getString(ssl + "key-password"));
    assertEquals("/etc/workmate/trust.p12", config.getString(ssl + "trust-store"));
    assertEquals("ts", config.getString(ssl + "trust-store-password"));
    assertTrue(config.getBoolean(ssl + "require-mutual-authentication"));
  }

  @Test
  void theOverlayWinsOverPekkosDefaultsAndKeepsTheirOtherKeys() {
    Config layered = ClusterConfig.overlay(cluster(true, List.of(), Optional.empty()))
        .withFallback(ConfigFactory.load()).resolve();

    assertEquals("cluster", layered.getString("pekko.actor.provider"));
    assertEquals(25520, layered.getInt("pekko.remote.artery.canonical.port"));
    assertEquals(Duration.ofSeconds(1),
        layered.getDuration("pekko.cluster.failure-detector.heartbeat-interval"));
    assertTrue(layered.getBoolean("pekko.cluster.run-coordinated-shutdown-when-down"),
        "a downed node stops; serve exits 6");
  }
}
