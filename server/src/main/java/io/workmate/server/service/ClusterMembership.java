package io.workmate.server.service;

import io.workmate.server.config.WorkmateSettings;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.pekko.Done;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * This node's membership in the cluster of cluster mode: joining (with a deadline), whether it
 * is {@code Up} (a node that is not serves no one: readiness), leaving on a graceful stop, and
 * why it stopped when the cluster stopped it. Every method but {@link #isClustered} needs a
 * system with the cluster provider.
 */
public final class ClusterMembership {

  private ClusterMembership() {}

  /** Joining did not reach {@code Up} within {@code workmate.cluster.join-timeout}. */
  public static final class JoinTimeoutException extends RuntimeException {
    JoinTimeoutException(String message) {
      super(message);
    }
  }

  /** Whether the system runs the cluster provider ({@code ClusterConfig}'s overlay). */
  public static boolean isClustered(ActorSystem<?> system) {
    String provider = system.settings().config().getString("pekko.actor.provider");
    return provider.equals("cluster")
        || provider.equals("org.apache.pekko.cluster.ClusterActorRefProvider");
  }

  /**
   * Completes once this node is {@code Up}, or fails with a {@link JoinTimeoutException}
   * naming what it tried after the join timeout. With no seed nodes the node joins itself (a
   * new cluster); with seed nodes Pekko joins them from the config at the system's start.
   */
  public static CompletionStage<Done> awaitUp(ActorSystem<?> system,
      WorkmateSettings.Cluster settings) {
    Cluster cluster = Cluster.get(system);
    if (settings.seedNodes().isEmpty()) {
      cluster.manager().tell(Join.create(cluster.selfMember().address()));
    }
    CompletableFuture<Done> up = new CompletableFuture<>();
    system.systemActorOf(upWatcher(up), "workmate-cluster-up", Props.empty());
    Duration timeout = settings.joinTimeout();
    return up.orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS).exceptionallyCompose(
        failure -> CompletableFuture.failedFuture(
            failure instanceof java.util.concurrent.TimeoutException
                ? new JoinTimeoutException(joinTimeoutMessage(settings)) : failure));
  }

  /** Tells {@code up} when Pekko reports this node {@code Up} (at once if it is already). */
  private static Behavior<SelfUp> upWatcher(CompletableFuture<Done> up) {
    return Behaviors.setup(context -> {
      Cluster.get(context.getSystem()).subscriptions()
          .tell(Subscribe.create(context.getSelf(), SelfUp.class));
      return Behaviors.receiveMessage(selfUp -> {
        up.complete(Done.getInstance());
        return Behaviors.stopped();
      });
    });
  }

  static String joinTimeoutMessage(WorkmateSettings.Cluster settings) {
    String tried = settings.seedNodes().isEmpty()
        ? "tried to start a new cluster on " + settings.address()
            + " (workmate.cluster.seed-nodes is empty)"
        : "tried seed nodes " + settings.seedNodes().stream().map(Object::toString)
            .collect(Collectors.joining(", ")) + " (workmate.cluster.seed-nodes)";
    return "could not join the cluster within " + seconds(settings.joinTimeout()) + "; "
        + tried;
  }

  private static String seconds(Duration duration) {
    return duration.toMillis() % 1000 == 0 ? duration.toSeconds() + "s"
        : duration.toMillis() + "ms";
  }

  /**
   * Why this node cannot serve as a member, or empty when it is {@code Up} (or runs alone,
   * without the cluster provider). {@code Joining}, {@code WeaklyUp}, {@code Leaving},
   * {@code Exiting}, {@code Down} and {@code Removed} are all not ready.
   */
  public static Optional<String> notUpReason(ActorSystem<?> system) {
    if (!isClustered(system)) {
      return Optional.empty();
    }
    MemberStatus status = Cluster.get(system).selfMember().status();
    return status == MemberStatus.up() ? Optional.empty()
        : Optional.of("this node is not Up in the cluster (its member status is " + status + ")");
  }

  /** This node's name in cluster mode ({@code workmate.cluster.node-name}), else empty. */
  public static Optional<String> nodeName(ActorSystem<?> system) {
    return isClustered(system)
        ? Optional.of(system.settings().config().getString("workmate.cluster.node-name"))
        : Optional.empty();
  }

  /** This node's address as the other nodes reach it, {@code host:port}. */
  public static String selfAddress(ActorSystem<?> system) {
    Address address = Cluster.get(system).selfMember().address();
    return address.getHost().orElse("?") + ":" + address.getPort().map(String::valueOf)
        .orElse("?");
  }

  /**
   * Leaves the cluster and then ends the system: Pekko's coordinated shutdown hands this node's
   * work over (cluster-leave, cluster-exiting) before the system terminates. Completes when
   * the shutdown has run.
   */
  public static CompletionStage<Done> leave(ActorSystem<?> system) {
    return CoordinatedShutdown.get(system).runAll(CoordinatedShutdown.clusterLeavingReason());
  }

  /**
   * Why the system ended when nobody drained it: the cluster downed this node (the Split Brain
   * Resolver found it on the minority side, or the others could not reach it), or another
   * reason of Pekko's coordinated shutdown.
   */
  public static String stopReason(ActorSystem<?> system) {
    Optional<CoordinatedShutdown.Reason> reason =
        CoordinatedShutdown.get(system).getShutdownReason();
    if (reason.isPresent() && reason.get() == CoordinatedShutdown.clusterDowningReason()) {
      return "the cluster downed this node (it was unreachable or on the minority side of a "
          + "partition)";
    }
    return reason.map(r -> "the cluster stopped it (" + r + ")")
        .orElse("the actor system stopped");
  }
}
