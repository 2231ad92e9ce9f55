package io.workmate.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.workmate.jobs.JobEntity.ApprovalAnswered;
import io.workmate.jobs.JobEntity.AwaitApproval;
import io.workmate.jobs.JobEntity.Cancel;
import io.workmate.jobs.JobEntity.Command;
import io.workmate.jobs.JobEntity.FailAttempt;
import io.workmate.jobs.JobEntity.Get;
import io.workmate.jobs.JobEntity.GetHistory;
import io.workmate.jobs.JobEntity.Reply;
import io.workmate.jobs.JobEntity.Start;
import io.workmate.jobs.JobEntity.Submit;
import io.workmate.jobs.JobEntity.Succeed;
import io.workmate.testkit.H2TestJournal;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.persistence.jdbc.query.javadsl.JdbcReadJournal;
import org.apache.pekko.persistence.query.EventEnvelope;
import org.apache.pekko.persistence.query.Offset;
import org.apache.pekko.persistence.query.PersistenceQuery;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Jobs on the real embedded journal: an H2 file, reopened by a new ActorSystem. */
class JobJournalTest {

  private static final Instant RETRY_AT = Instant.parse("2026-11-21T11:00:00Z");

  @TempDir Path dir;

  @Test
  void aNewActorSystemRecoversJobsExactlyAndEventsByTagListsThem() throws Exception {
    Path h2 = dir.resolve("journal/workmate");
    Job jobBefore;
    List<JobEvent> historyBefore;
    Job cancelledBefore;

    ActorTestKit writer = start("jobs-writer", h2);
    try {
      ActorRef<Command> job = writer.spawn(JobEntity.create("job-a"));
      JobSpec spec = JobSpec.of("fix the build", Instant.now()).withPriority(3)
          .withCapabilities(List.of("java"));
      ask(writer, job, replyTo -> new Submit(spec, replyTo));
      ask(writer, job, replyTo -> new Start("agent-1", "thread-1", replyTo));
      ask(writer, job, replyTo -> new AwaitApproval("approval-1", replyTo));
      ask(writer, job, ApprovalAnswered::new);
      ask(writer, job, replyTo -> new FailAttempt("HTTP 500", RETRY_AT, replyTo));
      jobBefore = ask(writer, job, replyTo -> new Start("agent-2", "thread-2", replyTo));
      historyBefore = history(writer, job);

      ActorRef<Command> other = writer.spawn(JobEntity.create("job-b"));
      ask(writer, other, replyTo -> new Submit(JobSpec.of("other", Instant.now()), replyTo));
      cancelledBefore = ask(writer, other, replyTo -> new Cancel("not needed", replyTo));
    } finally {
      writer.shutdownTestKit();
    }
    assertEquals(JobStatus.RUNNING, jobBefore.status());
    assertEquals(2, jobBefore.attempts());
    assertEquals(6, historyBefore.size());

    ActorTestKit reader = start("jobs-reader", h2);
    try {
      ActorRef<Command> job = reader.spawn(JobEntity.create("job-a"));
      assertEquals(jobBefore, ask(reader, job, Get::new));
      assertEquals(historyBefore, history(reader, job));
      ActorRef<Command> other = reader.spawn(JobEntity.create("job-b"));
      assertEquals(cancelledBefore, ask(reader, other, Get::new));

      // The recovered job carries on where it was.
      Job succeeded = ask(reader, job, replyTo -> new Succeed("fixed", replyTo));
      assertEquals(JobStatus.SUCCEEDED, succeeded.status());
      assertEquals(2, succeeded.attempts());

      List<EventEnvelope> tagged = currentEventsTaggedJob(reader);
      List<JobEvent> eventsOfA = eventsOf(tagged, "job|job-a");
      assertEquals(7, eventsOfA.size());
      assertEquals(historyBefore, eventsOfA.subList(0, 6));
      assertInstanceOf(JobEvent.Succeeded.class, eventsOfA.get(6));
      assertEquals(List.of(JobEvent.Submitted.class, JobEvent.Cancelled.class),
          eventsOf(tagged, "job|job-b").stream().map(Object::getClass).toList());
      assertEquals(9, tagged.size(), "no events but these two jobs' are tagged");
    } finally {
      reader.shutdownTestKit();
    }
  }

  private static ActorTestKit start(String name, Path h2) {
    return H2TestJournal.start(name, h2);
  }

  /** Sends a command that must be accepted and returns the job it answers with. */
  private static Job ask(ActorTestKit testKit, ActorRef<Command> job,
      Function<ActorRef<Reply>, Command> command) {
    TestProbe<Reply> probe = testKit.createTestProbe();
    job.tell(command.apply(probe.ref()));
    return assertInstanceOf(Reply.Current.class, probe.receiveMessage()).job();
  }

  private static List<JobEvent> history(ActorTestKit testKit, ActorRef<Command> job) {
    TestProbe<Reply> probe = testKit.createTestProbe();
    job.tell(new GetHistory(probe.ref()));
    return assertInstanceOf(Reply.History.class, probe.receiveMessage()).events();
  }

  private static List<EventEnvelope> currentEventsTaggedJob(ActorTestKit testKit) throws Exception {
    JdbcReadJournal journal = PersistenceQuery.get(testKit.system())
        .getReadJournalFor(JdbcReadJournal.class, JdbcReadJournal.Identifier());
    return journal.currentEventsByTag(JobEntity.TAG, Offset.sequence(0))
        .runWith(Sink.seq(), testKit.system())
        .toCompletableFuture().get(20, TimeUnit.SECONDS);
  }

  private static List<JobEvent> eventsOf(List<EventEnvelope> envelopes, String persistenceId) {
    return envelopes.stream()
        .filter(envelope -> envelope.persistenceId().equals(persistenceId))
        .map(envelope -> (JobEvent) envelope.event())
        .toList();
  }
}
