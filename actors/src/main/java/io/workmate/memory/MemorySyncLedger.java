package io.workmate.memory;

import io.workmate.persistence.CborSerializable;
import java.time.Clock;
import java.time.Instant;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.persistence.typed.PersistenceId;
import org.apache.pekko.persistence.typed.javadsl.CommandHandler;
import org.apache.pekko.persistence.typed.javadsl.Effect;
import org.apache.pekko.persistence.typed.javadsl.EventHandler;
import org.apache.pekko.persistence.typed.javadsl.EventSourcedBehavior;
import org.apache.pekko.persistence.typed.javadsl.RetentionCriteria;

/**
 * The sync's durable offset for one Workmate agent: persistence id {@code memory-sync|<agentId>},
 * one {@link Acknowledged} per batch the remote file confirmed. A restarted {@link MemorySync}
 * reads its offset here and resumes the read journal right after it.
 *
 * <p>The offset is set, not maxed: when the remote section turns out to hold less than we had
 * acknowledged (someone cut it), the remote marker is the truth and the offset moves back, so
 * the missing entries are sent again after a restart too.
 */
public final class MemorySyncLedger
    extends EventSourcedBehavior<MemorySyncLedger.Command, MemorySyncLedger.Acknowledged,
        MemorySyncLedger.State> {

  public static final String ENTITY_TYPE = "memory-sync";

  public sealed interface Command extends CborSerializable {}

  /** Records that the remote holds every entry up to {@code seq}; answers {@link State}. */
  public record Acknowledge(long seq, ActorRef<State> replyTo) implements Command {}

  public record Get(ActorRef<State> replyTo) implements Command {}

  public record Acknowledged(long seq, Instant at) implements CborSerializable {}

  public record State(long ackedSeq, Instant at) implements CborSerializable {}

  public static Behavior<Command> create(String agentId) {
    return create(agentId, Clock.systemUTC());
  }

  /** {@code clock} dates each acknowledgement. */
  public static Behavior<Command> create(String agentId, Clock clock) {
    return new MemorySyncLedger(agentId, clock);
  }

  public static PersistenceId persistenceId(String agentId) {
    return PersistenceId.of(ENTITY_TYPE, agentId);
  }

  private final Clock clock;

  private MemorySyncLedger(String agentId, Clock clock) {
    super(persistenceId(agentId));
    this.clock = clock;
  }

  @Override
  public State emptyState() {
    return new State(0, null);
  }

  @Override
  public Set<String> tagsFor(Acknowledged event) {
    return Set.of(ENTITY_TYPE);
  }

  @Override
  public RetentionCriteria retentionCriteria() {
    // Only the latest offset matters; keep recovery to a few events however long it runs.
    return RetentionCriteria.snapshotEvery(100, 1).withDeleteEventsOnSnapshot();
  }

  @Override
  public CommandHandler<Command, Acknowledged, State> commandHandler() {
    return newCommandHandlerBuilder().forAnyState()
        .onCommand(Acknowledge.class, (state, ack) -> ack.seq() == state.ackedSeq()
            ? Effect().reply(ack.replyTo(), state)
            : Effect().persist(new Acknowledged(ack.seq(), clock.instant()))
                .thenReply(ack.replyTo(), stored -> stored))
        .onCommand(Get.class, (state, get) -> Effect().reply(get.replyTo(), state))
        .build();
  }

  @Override
  public EventHandler<State, Acknowledged> eventHandler() {
    return newEventHandlerBuilder().forAnyState()
        .onEvent(Acknowledged.class, (state, event) -> new State(event.seq(), event.at()))
        .build();
  }
}
