package io.workmate.bench.jobs;

import com.typesafe.config.ConfigFactory;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.EchoAgent;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobDispatcherSettings;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.persistence.JournalConfig;
import io.workmate.persistence.JournalSettings;
import io.workmate.persistence.JournalStartup;
import io.workmate.support.Backoff;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * Jobs/s from enqueue to {@code succeeded} on the embedded H2 file journal (crash-safe URL), with
 * the no-op {@link EchoAgent}: what the queue itself costs. Each job is three journaled
 * transitions (submitted, attempt started, succeeded); the job ledger journals the transitions
 * of many jobs as one row, so the number of jobs in flight is what buys throughput.
 */
final class JobsThroughput {

  record Result(int jobs, int inFlight, Duration took, long failures) {
    double jobsPerSecond() {
      return jobs / (took.toNanos() / 1e9);
    }
  }

  private JobsThroughput() {}

  static Result run(Path dataDir, int jobs, int inFlight, int poolSize) throws Exception {
    JournalSettings journal = JournalSettings.h2(dataDir.resolve("journal")).withPoolSize(poolSize);
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "jobs-bench",
        JournalConfig.overlay(journal).withFallback(ConfigFactory.load()));
    try {
      JournalStartup.start(system);
      ActorRef<io.workmate.agents.Agent.Command> echo =
          system.systemActorOf(EchoAgent.create(), "echo", org.apache.pekko.actor.typed.Props.empty());
      AgentHandle agent = new AgentHandle(
          new AgentProfile("echo", AgentKind.ECHO, Set.of(), inFlight * 2, 0), echo);
      ActorRef<JobDispatcher.Command> dispatcher = system.systemActorOf(
          JobDispatcher.create(JobDispatcherSettings.of(Backoff.defaults(), List.of(agent))),
          "dispatcher", org.apache.pekko.actor.typed.Props.empty());

      // warm-up: JIT, pools, the first entity spawns
      submitAll(system, dispatcher, Math.min(2_000, jobs / 5), inFlight);
      awaitSucceeded(system, dispatcher, Math.min(2_000, jobs / 5));

      long before = succeeded(system, dispatcher);
      long start = System.nanoTime();
      long failures = submitAll(system, dispatcher, jobs, inFlight);
      awaitSucceeded(system, dispatcher, before + jobs - failures);
      Duration took = Duration.ofNanos(System.nanoTime() - start);
      return new Result(jobs, inFlight, took, failures);
    } finally {
      system.terminate();
      system.getWhenTerminated().toCompletableFuture().get();
    }
  }

  /** Submits {@code count} jobs with at most {@code inFlight} submissions unanswered. */
  private static long submitAll(ActorSystem<Void> system, ActorRef<JobDispatcher.Command> dispatcher,
      int count, int inFlight) throws InterruptedException {
    Semaphore window = new Semaphore(inFlight);
    AtomicLong failures = new AtomicLong();
    for (int i = 0; i < count; i++) {
      window.acquire();
      JobSpec spec = JobSpec.of("bench job " + i, Instant.now()).withAgent("echo");
      CompletionStage<JobReply> reply = AskPattern.ask(dispatcher,
          replyTo -> new JobDispatcher.Submit(spec, replyTo), Duration.ofSeconds(60),
          system.scheduler());
      // pitfall: a callback without an executor spawns a thread per call on 2 cores
      reply.whenCompleteAsync((answer, failure) -> {
        if (!(answer instanceof JobReply.Current)) {
          failures.incrementAndGet();
        }
        window.release();
      }, system.executionContext());
    }
    window.acquire(inFlight);
    window.release(inFlight);
    return failures.get();
  }

  private static void awaitSucceeded(ActorSystem<Void> system,
      ActorRef<JobDispatcher.Command> dispatcher, long target) throws Exception {
    long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
    while (succeeded(system, dispatcher) < target) {
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException("jobs did not all succeed within 10 minutes");
      }
      Thread.sleep(5);
    }
  }

  private static long succeeded(ActorSystem<Void> system,
      ActorRef<JobDispatcher.Command> dispatcher) throws Exception {
    CompletableFuture<JobStats> stats = AskPattern.<JobDispatcher.Command,
        JobStats>ask(dispatcher, JobDispatcher.GetStats::new, Duration.ofSeconds(30),
        system.scheduler()).toCompletableFuture();
    return stats.get().byStatus().get(JobStatus.SUCCEEDED);
  }
}
