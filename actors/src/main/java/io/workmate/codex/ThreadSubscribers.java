package io.workmate.codex;

import java.util.HashSet;
import java.util.Optional;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Who a {@link CodexThread} streams its events to; a subscriber that stops is dropped. */
final class ThreadSubscribers {

  private final ActorContext<CodexThread.Command> context;
  private final Set<ActorRef<ThreadEvent>> subscribers = new HashSet<>();

  ThreadSubscribers(ActorContext<CodexThread.Command> context) {
    this.context = context;
  }

  /** A subscriber that comes when the thread is ready is told so at once. */
  void subscribe(ActorRef<ThreadEvent> subscriber, Optional<String> readyThreadId) {
    add(subscriber);
    readyThreadId.ifPresent(id -> subscriber.tell(new ThreadEvent.Ready(id, false)));
  }

  void add(ActorRef<ThreadEvent> subscriber) {
    if (subscribers.add(subscriber)) {
      context.watchWith(subscriber, new CodexThread.SubscriberGone(subscriber));
    }
  }

  void remove(ActorRef<ThreadEvent> subscriber) {
    if (subscribers.remove(subscriber)) {
      context.unwatch(subscriber);
    }
  }

  void gone(ActorRef<ThreadEvent> subscriber) {
    subscribers.remove(subscriber);
  }

  void publish(ThreadEvent event) {
    for (ActorRef<ThreadEvent> subscriber : subscribers) {
      subscriber.tell(event);
    }
  }
}
