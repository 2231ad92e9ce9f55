package io.workmate.support;

import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.locks.LockSupport;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;

/**
 * Where Workmate's blocking work runs, so that it never holds a thread of the default dispatcher,
 * whose few threads (one per core) run every actor.
 *
 * <ul>
 *   <li>Work that blocks for a while and ends (waiting for a child process to exit, writing to
 *       its stdin, file IO) runs on the blocking dispatcher configured at {@value #DISPATCHER}
 *       ({@code workmate/pekko.conf}): an actor that does such work is spawned on it, other work
 *       is handed to {@link #executor}.
 *   <li>A loop that blocks for a child process's whole life (reading its stdout or stderr) would
 *       pin a pooled thread for good; it gets a thread of its own from {@link #start}. A short
 *       read beside the caller's own (git's stderr) gets one from {@link #readers}.
 *   <li>A timer finer than the ActorSystem scheduler's 10 ms tick (the job ledger's write
 *       interval, 2 ms by default) gets a scheduler thread of its own from {@link #timer}, and
 *       a periodic blocking check one from {@link #singleThread}.
 * </ul>
 *
 * <p>This class is the one place Workmate's actors create threads. Below the actors module,
 * where this class is out of reach, two threads are made in place: {@code JournalSchema}
 * bounds a blocking JDBC call with a worker thread, and the scripted provider (protocol) serves
 * its loopback HTTP on the JDK's server threads.
 */
public final class BlockingThreads {

  /** The configuration path of Workmate's blocking dispatcher. */
  public static final String DISPATCHER = "workmate.blocking-dispatcher";

  private BlockingThreads() {}

  /**
   * The configured blocking dispatcher. A system configured without it (an actor test kit) gets
   * Pekko's own blocking-IO dispatcher, which serves the same purpose.
   */
  public static DispatcherSelector dispatcher(ActorSystem<?> system) {
    return system.settings().config().hasPath(DISPATCHER)
        ? DispatcherSelector.fromConfig(DISPATCHER) : DispatcherSelector.blocking();
  }

  /** The {@link #dispatcher} as an executor, for a blocking task an actor pipes to itself. */
  public static Executor executor(ActorSystem<?> system) {
    return system.dispatchers().lookup(dispatcher(system));
  }

  /**
   * Starts {@code loop} on a daemon thread of its own (it never keeps the JVM alive): for a loop
   * that blocks as long as the stream it reads stays open.
   */
  public static Thread start(String name, Runnable loop) {
    Thread thread = new Thread(loop, name);
    thread.setDaemon(true);
    thread.start();
    return thread;
  }

  /**
   * A single-thread executor on a daemon thread named {@code name}: for a periodic blocking check
   * whose runs must not overlap (the journal's health probe).
   */
  public static ExecutorService singleThread(String name) {
    return Executors.newSingleThreadExecutor(runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * A pool of daemon threads named {@code name}, made as needed and ended when idle: for short
   * blocking reads beside the caller's own (a child process's stderr while the caller reads its
   * stdout), which must not wait for a thread another read holds.
   */
  public static ExecutorService readers(String name) {
    return Executors.newCachedThreadPool(runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /**
   * A single-thread scheduler on a daemon thread named {@code name}, for delays shorter than the
   * ActorSystem scheduler's tick; its owner shuts it down when it stops.
   */
  public static ScheduledExecutorService timer(String name) {
    return Executors.newSingleThreadScheduledExecutor(runnable -> {
      Thread thread = new Thread(runnable, name);
      thread.setDaemon(true);
      return thread;
    });
  }

  /** Blocks the calling thread for {@code duration} (a test hook's stand-in for a bug). */
  public static void stall(Duration duration) {
    for (long until = System.nanoTime() + duration.toNanos(); System.nanoTime() < until; ) {
      LockSupport.parkNanos(until - System.nanoTime());
    }
  }
}
