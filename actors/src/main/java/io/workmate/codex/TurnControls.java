package io.workmate.codex;

import io.workmate.codex.CodexThread.Ack;
import io.workmate.codex.CodexThread.ControlAnswered;
import io.workmate.protocol.codex.CodexMethods;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;

/**
 * Interrupting and steering a thread's running turn, and telling the asker how codex took it. An
 * interrupt asked for before codex named the turn is sent once it does.
 */
final class TurnControls {

  private final ThreadCalls calls;
  private final Logger log;

  TurnControls(ThreadCalls calls, Logger log) {
    this.calls = calls;
    this.log = log;
  }

  void interrupt(String threadId, RunningTurn turn, ActorRef<Ack> replyTo) {
    turn.requestInterrupt();
    if (turn.turnId() == null) {
      replyTo.tell(Ack.ok("interrupt will be sent as soon as codex names the turn"));
    } else {
      sendInterrupt(threadId, turn, replyTo);
    }
  }

  /** {@code replyTo} may be null: nobody waits for the answer. */
  void sendInterrupt(String threadId, RunningTurn turn, ActorRef<Ack> replyTo) {
    calls.interrupt(threadId, turn.turnId(),
        r -> new ControlAnswered(CodexMethods.TURN_INTERRUPT, r, replyTo));
  }

  void steer(String threadId, RunningTurn turn, CodexThread.Steer steer) {
    if (turn.turnId() == null) {
      steer.replyTo().tell(Ack.refused("the turn has not started on codex yet; try again"));
    } else if (steer.text() == null || steer.text().isBlank()) {
      steer.replyTo().tell(Ack.refused("steering text is empty"));
    } else {
      calls.steer(threadId, turn.turnId(), steer.text(),
          r -> new ControlAnswered(CodexMethods.TURN_STEER, r, steer.replyTo()));
    }
  }

  void answered(String threadId, ControlAnswered answered) {
    if (answered.replyTo() == null) {
      if (answered.result() instanceof CallResult.Failure failure) {
        log.debug("thread {}: {} failed: {}", threadId, answered.what(), failure.reason());
      }
    } else if (answered.result() instanceof CallResult.Failure failure) {
      answered.replyTo().tell(Ack.refused(answered.what() + " failed: " + failure.reason()));
    } else {
      answered.replyTo().tell(Ack.ok(answered.what() + " sent"));
    }
  }
}
