package io.workmate.jobs.dispatch;

import io.workmate.jobs.JobLedgerShard;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Where {@link JobDispatcher} reads the job events it rebuilds its queue from when it starts: a
 * finite stream of every {@link JobLedgerShard#TAG job}-tagged event, in journal order.
 */
@FunctionalInterface
public interface RecoverySource {

  /** The journal plugin id that {@code JournalConfig.overlay} configures. */
  String JDBC_JOURNAL_PLUGIN = "jdbc-journal";

  /** The current job events; the stream completes once it has delivered them all. */
  Source<EventEnvelope, NotUsed> currentEvents(ActorSystem<?> system);

  /** {@code JdbcReadJournal.currentEventsByTag("job", noOffset)}. */
  static RecoverySource jdbc() {
    return system -> PersistenceQuery.get(system)
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier())
        .currentEventsByTag(JobLedgerShard.TAG, Offset.noOffset());
  }

  /**
   * {@link #jdbc()} when the system's journal is the jdbc one, otherwise nothing (an in-memory
   * journal of a test, which has no read journal to recover from).
   */
  static RecoverySource fromConfiguredJournal() {
    return system -> isJdbcJournal(system)
        ? jdbc().currentEvents(system)
        : Source.empty();
  }

  /** Whether {@code pekko.persistence.journal.plugin} is the jdbc journal. */
  static boolean isJdbcJournal(ActorSystem<?> system) {
    String path = "pekko.persistence.journal.plugin";
    return system.settings().config().hasPath(path)
        && JDBC_JOURNAL_PLUGIN.equals(system.settings().config().getString(path));
  }
}
