package io.workmate.jobs.dispatch;

import org.apache.pekko.actor.typed.ActorRef;

/**
 * The dispatcher's drain ({@link JobDispatcher.Drain}): once begun it never ends (the service is
 * about to stop); who waits to hear that no attempt runs any more, and how many attempts were
 * given back to the queue meanwhile. Not thread-safe: the dispatcher's.
 */
final class DrainProgress {

  private boolean draining;
  private ActorRef<JobDispatcher.Drained> waiter;
  private int released;

  boolean draining() {
    return draining;
  }

  /** Begins the drain (or takes a new waiter); true when it just began. */
  boolean begin(ActorRef<JobDispatcher.Drained> replyTo) {
    boolean began = !draining;
    draining = true;
    waiter = replyTo;
    return began;
  }

  /** An attempt was given back (its job is queued again). */
  void released() {
    released++;
  }

  /** Tells the waiter, once, when no attempt runs any more. */
  void tellIfDone(boolean attemptsRunning) {
    if (draining && waiter != null && !attemptsRunning) {
      waiter.tell(new JobDispatcher.Drained(released));
      waiter = null;
    }
  }
}
