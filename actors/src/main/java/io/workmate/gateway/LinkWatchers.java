package io.workmate.gateway;

import io.workmate.protocol.openclaw.GatewayFrame;
import java.time.Clock;
import java.util.HashSet;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * The link's status and whoever watches it or the gateway's events. Owned by the
 * {@link GatewayConnection} actor and used only on its thread; a watcher that stops is dropped.
 */
final class LinkWatchers {

  private final ActorContext<GatewayConnection.Command> context;
  private final GatewayEndpoint endpoint;
  private final Clock clock;
  private final Set<ActorRef<GatewayStatus>> statusWatchers = new HashSet<>();
  private final Set<ActorRef<GatewayFrame.Event>> eventWatchers = new HashSet<>();
  private GatewayStatus status;

  LinkWatchers(ActorContext<GatewayConnection.Command> context, GatewayEndpoint endpoint,
      Clock clock) {
    this.context = context;
    this.endpoint = endpoint;
    this.clock = clock;
    this.status = new GatewayStatus(endpoint.name(), endpoint.url(), LinkState.CONNECTING,
        "starting", clock.instant());
  }

  GatewayStatus status() {
    return status;
  }

  /** Tells the watcher the status now and at every change. */
  void watchStatus(ActorRef<GatewayStatus> watcher) {
    if (statusWatchers.add(watcher)) {
      context.watchWith(watcher, new GatewayConnection.WatcherGone(watcher));
    }
    watcher.tell(status);
  }

  void watchEvents(ActorRef<GatewayFrame.Event> watcher) {
    if (eventWatchers.add(watcher)) {
      context.watchWith(watcher, new GatewayConnection.WatcherGone(watcher));
    }
  }

  void gone(ActorRef<?> watcher) {
    statusWatchers.remove(watcher);
    eventWatchers.remove(watcher);
  }

  /** A new status, told to the status watchers; the same state and detail again is not. */
  void report(LinkState state, String detail) {
    if (status.state() == state && status.detail().equals(detail)) {
      return;
    }
    status = new GatewayStatus(endpoint.name(), endpoint.url(), state, detail, clock.instant());
    statusWatchers.forEach(watcher -> watcher.tell(status));
  }

  void publish(GatewayFrame.Event event) {
    eventWatchers.forEach(watcher -> watcher.tell(event));
  }
}
