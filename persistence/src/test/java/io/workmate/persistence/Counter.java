package io.workmate.persistence;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.RecoveryCompleted;
import org.apache.pekko.persistence.typed.SnapshotCompleted;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;
import org.apache.pekko.persistence.typed.javadsl.SignalHandler;

/**
 * A test-only event-sourced counter: each {@link Add} persists one {@link Added} event, a
 * snapshot of {@link State} is taken every {@code snapshotEvery} events, and an optional observer
 * hears how recovery went (how many events were replayed on top of the snapshot) and when a
 * snapshot was saved.
 */
final class Counter extends EventSourcedBehavior<Counter.Command, Counter.Added, Counter.State> {

  sealed interface Command extends CborSerializable {}

  /** Persists one event and answers with its sequence number once it is stored. */
  record Add(int amount, ActorRef<Ack> replyTo) implements Command {}

  record GetState(ActorRef<State> replyTo) implements Command {}

  record Ack(long sequenceNr, long total) implements CborSerializable {}

  /** The event. */
  record Added(int amount) implements CborSerializable {}

  /** The state, also the snapshot. */
  record State(long total, long events) implements CborSerializable {
    State add(int amount) {
      return new State(total + amount, events + 1);
    }
  }

  sealed interface Observation {}

  record Recovered(State state, int eventsReplayed) implements Observation {}

  record SnapshotSaved(long sequenceNr) implements Observation {}

  private final ActorContext<Command> context;
  private final int snapshotEvery;
  private final ActorRef<Observation> observer;
  // Counts event-handler calls; at RecoveryCompleted these are exactly the replayed events.
  private int eventsApplied;

  static Behavior<Command> create(String id, int snapshotEvery, ActorRef<Observation> observer) {
    return Behaviors.setup(context -> new Counter(id, context, snapshotEvery, observer));
  }

  static Behavior<Command> create(String id) {
    return create(id, 0, null);
  }

  private Counter(String id, ActorContext<Command> context, int snapshotEvery,
      ActorRef<Observation> observer) {
    super(PersistenceId.ofUniqueId(id));
    this.context = context;
    this.snapshotEvery = snapshotEvery;
    this.observer = observer;
  }

  @Override
  public State emptyState() {
    return new State(0, 0);
  }

  @Override
  public CommandHandler<Command, Added, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Add.class, add -> Effect().persist(new Added(add.amount()))
            .thenReply(add.replyTo(), state -> new Ack(lastSequenceNumber(context), state.total())))
        .onCommand(GetState.class, (state, get) -> Effect().reply(get.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<State, Added> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Added.class, (state, added) -> {
          eventsApplied++;
          return state.add(added.amount());
        })
        .build();
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    return snapshotEvery > 0 ? RetentionCriteria.snapshotEvery(snapshotEvery, 2)
        : RetentionCriteria.disabled();
  }

  @Override
  public SignalHandler<State> signalHandler() {
    return newSignalHandlerBuilder()
        .onSignal(RecoveryCompleted.instance(), state -> observe(new Recovered(state, eventsApplied)))
        .onSignal(SnapshotCompleted.class,
            (state, done) -> observe(new SnapshotSaved(done.metadata().sequenceNr())))
        .build();
  }

  private void observe(Observation observation) {
    if (observer != null) {
      observer.tell(observation);
    }
  }
}
