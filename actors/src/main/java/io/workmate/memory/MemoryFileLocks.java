package io.workmate.memory;

import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.Terminated;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * One writer at a time per target file. Every Workmate agent goes to OpenClaw's {@code main} by
 * default, so without this N syncs would race on one {@code MEMORY.md}: each compare-and-set
 * conflict costs a re-read and a rewrite of the whole file (measured: 160 entries/s with 101
 * agents on one file). With it, the syncs of one target take turns, one batch per turn, and the
 * file as the last writer left it is handed to the next one, so a turn needs no extra read.
 * Edits by others still show up as compare-and-set conflicts and are rebased.
 *
 * <p>Holders are {@link MemorySync} refs, which survive a restart of the sync; a restarted sync
 * releases what it may have held, and asking again while holding is granted again.
 */
public final class MemoryFileLocks {

  public sealed interface Command {}

  /** Asks for {@code target}'s turn; answered with {@link MemorySync.FileGranted}. */
  public record Acquire(String target, ActorRef<MemorySync.Command> holder) implements Command {}

  /**
   * Ends {@code holder}'s turn (or its wait). {@code changed}: the file is now {@code file} (null:
   * unknown, the next holder reads it); not changed: the file is as it was handed over.
   */
  public record Release(String target, ActorRef<MemorySync.Command> holder, boolean changed,
      MemorySync.RemoteFile file) implements Command {}

  private static final class Lock {
    ActorRef<MemorySync.Command> holder;
    final ArrayDeque<ActorRef<MemorySync.Command>> waiting = new ArrayDeque<>();
    MemorySync.RemoteFile file; // null: unknown
  }

  public static Behavior<Command> create() {
    return Behaviors.setup(context -> new MemoryFileLocks(context).running());
  }

  private final ActorContext<Command> context;
  private final Map<String, Lock> locks = new HashMap<>();
  private final Set<ActorRef<MemorySync.Command>> watched = new HashSet<>();

  private MemoryFileLocks(ActorContext<Command> context) {
    this.context = context;
  }

  private Behavior<Command> running() {
    return Behaviors.receive(Command.class)
        .onMessage(Acquire.class, this::onAcquire)
        .onMessage(Release.class, this::onRelease)
        .onSignal(Terminated.class, this::onTerminated)
        .build();
  }

  private Behavior<Command> onAcquire(Acquire acquire) {
    Lock lock = locks.computeIfAbsent(acquire.target(), target -> new Lock());
    if (watched.add(acquire.holder())) {
      context.watch(acquire.holder());
    }
    if (lock.holder == null || lock.holder.equals(acquire.holder())) {
      grant(acquire.target(), lock, acquire.holder());
    } else if (!lock.waiting.contains(acquire.holder())) {
      lock.waiting.addLast(acquire.holder());
    }
    return Behaviors.same();
  }

  private Behavior<Command> onRelease(Release release) {
    Lock lock = locks.get(release.target());
    if (lock == null) {
      return Behaviors.same();
    }
    lock.waiting.remove(release.holder());
    if (release.holder().equals(lock.holder)) {
      if (release.changed()) {
        lock.file = release.file();
      }
      lock.holder = null;
      next(release.target(), lock);
    }
    return Behaviors.same();
  }

  private Behavior<Command> onTerminated(Terminated terminated) {
    watched.remove(terminated.getRef());
    locks.forEach((target, lock) -> {
      lock.waiting.remove(terminated.getRef());
      if (terminated.getRef().equals(lock.holder)) {
        lock.holder = null;
        lock.file = null; // it may have died mid-write
        next(target, lock);
      }
    });
    return Behaviors.same();
  }

  private void next(String target, Lock lock) {
    ActorRef<MemorySync.Command> nextHolder = lock.waiting.pollFirst();
    if (nextHolder != null) {
      grant(target, lock, nextHolder);
    }
  }

  private static void grant(String target, Lock lock, ActorRef<MemorySync.Command> holder) {
    lock.holder = holder;
    holder.tell(new MemorySync.FileGranted(target, lock.file));
  }
}
