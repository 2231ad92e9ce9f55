package io.workmate.jobs.dispatch;

import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import java.time.Duration;
import java.util.function.BiFunction;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/**
 * An op for the {@link JobLedger} as an ask with a timeout, its answer a message to the asking
 * actor: the ledger answers every op unless it failed itself, so an op it has not answered within
 * {@link #TIMEOUT} counts as not stored.
 */
final class LedgerAsk {

  static final Duration TIMEOUT = Duration.ofSeconds(30);

  private LedgerAsk() {}

  /**
   * Applies {@code op} to {@code jobId}; {@code onAnswer} gets the ledger's reply, or null and
   * why it may not have been stored.
   */
  static <T> void ask(ActorContext<T> context, ActorRef<JobLedger.Command> ledger, String jobId,
      JobOp op, BiFunction<JobReply, String, ? extends T> onAnswer) {
    context.ask(JobLedger.Answered.class, ledger, TIMEOUT,
        replyTo -> new JobLedger.Apply(jobId, op, 0L, replyTo),
        (answered, failure) -> answered != null
            ? onAnswer.apply(answered.reply(), answered.failure())
            : onAnswer.apply(null,
                "the job store did not answer within " + TIMEOUT.toSeconds() + " s"));
  }
}
