package io.workmate.runtime;

import io.workmate.gateway.GatewayConnection;
import java.time.Duration;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.StashBuffer;

/**
 * One {@link GatewayConnection} address for whoever talks to "the gateway" (gateway agents,
 * memory sync) without caring which: it forwards every command to the connection of the
 * runtime's effective mode: the remote one in {@code remote}, the local one in {@code local},
 * and offline the remote one if there is one (its calls then fail fast as not connected). The
 * connections stay the {@link RuntimeSupervisor}'s children; this only routes.
 */
public final class GatewayRouter {

  private record Known(RuntimeSupervisor.Gateways gateways) {}

  private record ModeNow(RuntimeSupervisor.ModeChanged change) {}

  private record NotKnown(Throwable failure) {}

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final int STASH = 1_000;

  private final ActorContext<Object> context;
  private final ActorRef<RuntimeSupervisor.Command> runtime;
  private final StashBuffer<Object> stash;

  public static Behavior<GatewayConnection.Command> create(
      ActorRef<RuntimeSupervisor.Command> runtime) {
    // its own answers are not gateway commands: it runs on Object and shows only the protocol
    return Behaviors.<Object>setup(context -> Behaviors.withStash(STASH,
        stash -> new GatewayRouter(context, runtime, stash).finding()))
        .narrow();
  }

  private GatewayRouter(ActorContext<Object> context,
      ActorRef<RuntimeSupervisor.Command> runtime,
      StashBuffer<Object> stash) {
    this.context = context;
    this.runtime = runtime;
    this.stash = stash;
  }

  private Behavior<Object> finding() {
    runtime.tell(new RuntimeSupervisor.Subscribe(
        context.messageAdapter(RuntimeSupervisor.ModeChanged.class, ModeNow::new)));
    askGateways();
    return Behaviors.receive(Object.class)
        .onMessage(Known.class, known -> stash.unstashAll(routing(known.gateways())))
        .onMessage(NotKnown.class, notKnown -> {
          context.getLog().warn("gateway router: the runtime did not say its gateways ({}); "
              + "asking again", notKnown.failure().toString());
          askGateways();
          return Behaviors.same();
        })
        .onMessage(ModeNow.class, mode -> Behaviors.same()) // the answer carries the mode
        .onAnyMessage(command -> {
          if (!stash.isFull()) {
            stash.stash(command);
          }
          return Behaviors.same();
        })
        .build();
  }

  private void askGateways() {
    context.ask(RuntimeSupervisor.Gateways.class, runtime, ASK_TIMEOUT,
        RuntimeSupervisor.GetGateways::new,
        (gateways, failure) -> gateways != null ? new Known(gateways) : new NotKnown(failure));
  }

  private Behavior<Object> routing(RuntimeSupervisor.Gateways gateways) {
    return Behaviors.receive(Object.class)
        .onMessage(ModeNow.class, mode -> routing(new RuntimeSupervisor.Gateways(
            gateways.local(), gateways.remote(), mode.change().to())))
        .onMessage(Known.class, known -> routing(known.gateways()))
        .onMessage(NotKnown.class, notKnown -> Behaviors.same())
        .onAnyMessage(command -> {
          if (!(command instanceof GatewayConnection.Command gatewayCommand)) {
            return Behaviors.same();
          }
          target(gateways).ifPresentOrElse(gateway -> gateway.tell(gatewayCommand),
              () -> context.getLog().warn("gateway router: no gateway configured; dropped {}",
                  command.getClass().getSimpleName()));
          return Behaviors.same();
        })
        .build();
  }

  private static Optional<ActorRef<GatewayConnection.Command>> target(
      RuntimeSupervisor.Gateways gateways) {
    return switch (gateways.effective()) {
      case LOCAL -> gateways.local().or(gateways::remote);
      case REMOTE, OFFLINE -> gateways.remote().or(gateways::local);
    };
  }
}
