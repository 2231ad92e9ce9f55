package io.workmate.server.service;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.server.config.ClusterConfig;
import io.workmate.server.config.WorkmateSettings.Cluster.SeedNode;
import io.workmate.server.config.WorkmateSettings.Cluster;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.junit.jupiter.api.Test;

/** Joining, readiness and leaving of one node, on a real cluster provider on loopback. */
class ClusterMembershipTest {

  private static Cluster settings(List<SeedNode> seeds, Duration joinTimeout) {
    return new Cluster(true, "127.0.0.1", 0, seeds, List.of(), "node-a", 12, joinTimeout,
        Duration.ofSeconds(7), Duration.ofSeconds(5), 0, Optional.empty());
  }

  private static ActorSystem<Void> system(Cluster cluster) {
    return ActorSystem.create(Behaviors.empty(), ClusterConfig.SYSTEM_NAME,
        ClusterConfig.overlay(cluster).withFallback(ConfigFactory.load()));
  }

  @Test
  void aNodeWithoutSeedNodesStartsAClusterOfItsOwnIsReadyOnceUpAndLeavesOnRequest()
      throws Exception {
    Cluster cluster = settings(List.of(), Duration.ofSeconds(20));
    ActorSystem<Void> system = system(cluster);
    try {
      assertTrue(ClusterMembership.isClustered(system));
      assertTrue(ClusterMembership.notUpReason(system).isPresent(), "not Up before joining");

      ClusterMembership.awaitUp(system, cluster).toCompletableFuture().get(20, TimeUnit.SECONDS);

      // the member view that selfMember() reads is updated a moment after SelfUp is told
      await().atMost(Duration.ofSeconds(10))
          .until(() -> ClusterMembership.notUpReason(system).isEmpty());
      assertTrue(ClusterMembership.selfAddress(system).matches("127\\.0\\.0\\.1:[1-9]\\d*"),
          ClusterMembership.selfAddress(system));
      ClusterMembership.leave(system).toCompletableFuture().get(20, TimeUnit.SECONDS);
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
      assertEquals(MemberStatus.removed(),
          org.apache.pekko.cluster.typed.Cluster.get(system).selfMember().status());
      assertEquals("the cluster stopped it (ClusterLeavingReason)",
          ClusterMembership.stopReason(system));
    } finally {
      system.terminate();
    }
  }

  @Test
  void seedNodesThatNobodyAnswersFailTheWaitNamingThem() throws Exception {
    int nobody;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      nobody = socket.getLocalPort();
    }
    Cluster cluster = settings(List.of(new SeedNode("127.0.0.1", nobody),
        new SeedNode("127.0.0.1", nobody + 1)), Duration.ofMillis(1500));
    ActorSystem<Void> system = system(cluster);
    try {
      ExecutionException failed = assertThrows(ExecutionException.class,
          () -> ClusterMembership.awaitUp(system, cluster).toCompletableFuture()
              .get(20, TimeUnit.SECONDS));

      assertInstanceOf(ClusterMembership.JoinTimeoutException.class, failed.getCause());
      assertEquals("could not join the cluster within 1500ms; tried seed nodes 127.0.0.1:"
          + nobody + ", 127.0.0.1:" + (nobody + 1) + " (workmate.cluster.seed-nodes)",
          failed.getCause().getMessage());
      assertTrue(ClusterMembership.notUpReason(system).orElseThrow()
          .startsWith("this node is not Up in the cluster (its member status is "),
          ClusterMembership.notUpReason(system).toString());
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void theMessageForAnEmptySeedListNamesTheNodesOwnAddress() {
    Cluster cluster = new Cluster(true, "10.0.0.5", 17355, List.of(), List.of(), "node-a", 12,
        Duration.ofSeconds(60), Duration.ofSeconds(7), Duration.ofSeconds(5), 0, Optional.empty());
    assertEquals("could not join the cluster within 60s; tried to start a new cluster on "
        + "10.0.0.5:17355 (workmate.cluster.seed-nodes is empty)",
        ClusterMembership.joinTimeoutMessage(cluster));
  }

  @Test
  void aSystemWithoutTheClusterProviderIsNeverHeldBackByMembership() throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "single",
        ConfigFactory.load());
    try {
      assertFalse(ClusterMembership.isClustered(system));
      assertEquals(Optional.empty(), ClusterMembership.notUpReason(system));
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get(20, TimeUnit.SECONDS);
    }
  }

  @Test
  void readinessPutsMembershipAfterDrainingAndBeforeEverythingElse() {
    JobStats recovering = new JobStats(Map.of(), Map.of(), Map.of(), true,
        false);
    JournalHealth.State journal = new JournalHealth.State("postgres", true, null, Instant.EPOCH);
    Optional<String> notUp = Optional.of("this node is not Up in the cluster (its member "
        + "status is Joining)");

    assertEquals(notUp, Readiness.notReadyReason(recovering, journal, false, notUp));
    assertEquals(Optional.of("draining: the service is stopping"),
        Readiness.notReadyReason(recovering, journal, true, notUp));
    assertEquals(Readiness.notReadyReason(recovering, journal, false),
        Readiness.notReadyReason(recovering, journal, false, Optional.empty()),
        "the old rule when the node runs alone");
  }
}
