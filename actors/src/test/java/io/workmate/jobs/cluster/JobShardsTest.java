package io.workmate.jobs.cluster;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.EchoAgent;
import io.workmate.codex.PendingApproval;
import io.workmate.jobs.Job;
import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobPosition;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.JobSummary;
import io.workmate.jobs.dispatch.ApprovalAnswer;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobDispatcherSettings;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.protocol.codex.ApprovalDecision;
import io.workmate.support.Backoff;
import io.workmate.testkit.OneNodeCluster;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The cluster's job front on a one-node cluster with the real embedded journal: jobs land in the
 * shard of their id and run on the node's agents, the listing merges every shard in one order
 * and pages correctly, the node's stats sum its shards, and every message that crosses nodes
 * survives the wire format.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class JobShardsTest {

  private static final Duration TIMEOUT = Duration.ofSeconds(30);
  private static final int SHARDS = 4;

  private static ActorTestKit testKit;
  private static ActorRef<JobDispatcher.Command> jobs;
  private static AgentHandle echo;
  private static final SimpleMeterRegistry meters = new SimpleMeterRegistry();

  @BeforeAll
  static void startNode() throws Exception {
    testKit = OneNodeCluster.start("job-shards");

    ActorRef<JobShardHost.Command> host = testKit.spawn(JobShardHost.create(), "host");
    // the cluster's shared registry as the front sees it: only "late-agent" is registered
    jobs = testKit.spawn(JobShards.create(JobDispatcherSettings.of(
        new Backoff(Duration.ofMillis(50), Duration.ofMillis(200), 2.0, 0.0), List.of(), meters)
        .withDefaultAgent("echo"), SHARDS, host,
        agentId -> CompletableFuture.completedFuture(agentId.equals("late-agent"))), "jobs");
    echo = new AgentHandle(new AgentProfile("echo", AgentKind.ECHO, Set.of("echo"), 64, 0),
        testKit.spawn(EchoAgent.create(), "echo"));
    jobs.tell(new JobDispatcher.AgentsChanged(List.of(echo)));
  }

  @AfterAll
  static void stopNode() {
    testKit.shutdownTestKit();
  }

  @Test
  @Order(Integer.MAX_VALUE) // last: its job would be in the listing test's listing
  void aJobNamingASharedAgentThatItsShardsNodeHasNotMirroredYetWaitsForTheMirror() {
    TestProbe<JobReply> replies = testKit.createTestProbe();
    // registered nowhere: refused as before, without waiting
    jobs.tell(new JobDispatcher.Submit(JobSpec.of("x", Instant.now()).withAgent("nobody"),
        replies.ref()));
    JobReply.Rejected refused = assertInstanceOf(JobReply.Rejected.class,
        replies.receiveMessage(Duration.ofSeconds(2)));
    assertEquals(JobDispatcher.NO_MATCHING_AGENT, refused.code());

    // registered for the cluster, not mirrored on this node yet: held, then taken once it is
    jobs.tell(new JobDispatcher.Submit(JobSpec.of("y", Instant.now()).withAgent("late-agent"),
        replies.ref()));
    replies.expectNoMessage(Duration.ofMillis(500));
    AgentHandle late = new AgentHandle(new AgentProfile("late-agent", AgentKind.HTTP, Set.of(),
        4, 0), echo.ref());
    jobs.tell(new JobDispatcher.AgentsChanged(List.of(echo, late)));
    Job job = assertInstanceOf(JobReply.Current.class, replies.receiveMessage(TIMEOUT)).job();
    assertEquals("late-agent", job.spec().agent());
    assertEquals(JobStatus.QUEUED, job.status());
  }

  @Test
  void jobsRunInTheShardOfTheirIdAndTheListingMergesEveryShardInOneOrder() {
    TestProbe<JobReply> replies = testKit.createTestProbe();
    List<String> ids = new ArrayList<>();
    Set<Integer> shardsUsed = new HashSet<>();
    for (int i = 0; i < 24; i++) {
      // no idempotency key: the front takes the random id once, and the shard keeps it
      jobs.tell(new JobDispatcher.Submit(JobSpec.of("job " + i, Instant.now()), replies.ref()));
      Job job = assertInstanceOf(JobReply.Current.class, replies.receiveMessage(TIMEOUT)).job();
      ids.add(job.id());
      shardsUsed.add(JobLedger.shardOf(job.id(), SHARDS));
    }
    assertTrue(shardsUsed.size() > 1, "the jobs spread over the shards: " + shardsUsed);

    for (String id : ids) {
      await().atMost(TIMEOUT).until(() -> {
        jobs.tell(new JobDispatcher.Get(id, replies.ref()));
        return replies.receiveMessage(TIMEOUT) instanceof JobReply.Current current
            && current.job().status() == JobStatus.SUCCEEDED;
      });
    }

    TestProbe<JobDispatcher.JobPage> pages = testKit.createTestProbe();
    List<JobSummary> listed = new ArrayList<>();
    String after = null;
    do {
      jobs.tell(new JobDispatcher.ListJobs(JobStatus.SUCCEEDED, 5, after, pages.ref()));
      JobDispatcher.JobPage page = pages.receiveMessage(TIMEOUT);
      assertTrue(page.jobs().size() <= 5);
      listed.addAll(page.jobs());
      after = page.next();
    } while (after != null);
    assertEquals(new HashSet<>(ids), new HashSet<>(listed.stream().map(JobSummary::id).toList()),
        "every job once, over the pages");
    assertEquals(ids.size(), listed.size(), "no job twice");
    List<JobSummary> sorted = new ArrayList<>(listed);
    sorted.sort(java.util.Comparator.comparing(JobPosition::of));
    assertEquals(sorted, listed, "one order: submission time, then id");

    TestProbe<JobStats> stats = testKit.createTestProbe();
    jobs.tell(new JobDispatcher.GetStats(stats.ref()));
    JobStats now = stats.receiveMessage(TIMEOUT);
    assertTrue(now.byStatus().get(JobStatus.SUCCEEDED) >= ids.size(), now.toString());
    assertEquals(false, now.recovering());
    // the node's gauges sum every shard it hosts, as its stats do
    assertEquals((double) now.byStatus().get(JobStatus.SUCCEEDED),
        meters.get("workmate.jobs").tag("status", "succeeded").gauge().value());
  }

  @Test
  void aDecisionForNoWaitingJobIsNotFoundAfterEveryShardSaidSo() {
    TestProbe<ApprovalAnswer> answers = testKit.createTestProbe();
    jobs.tell(new JobDispatcher.DecideApproval("appr-nobody", ApprovalDecision.ACCEPT,
        answers.ref()));
    assertEquals(new ApprovalAnswer.NotFound("appr-nobody"),
        answers.receiveMessage(TIMEOUT));
    TestProbe<JobDispatcher.Approvals> approvals = testKit.createTestProbe();
    jobs.tell(new JobDispatcher.ListApprovals(approvals.ref()));
    assertTrue(approvals.receiveMessage(TIMEOUT).approvals().isEmpty());
  }

  @Test
  void whatCrossesNodesSurvivesTheWireFormat() {
    TestProbe<JobReply> replies = testKit.createTestProbe();
    JobSpec spec = JobSpec.of("prompt", Instant.parse("2026-12-07T10:00:00Z"))
        .withIdempotencyKey("key-1");
    Instant at = Instant.parse("2026-12-07T10:00:01Z");
    PendingApproval approval = new PendingApproval("appr-1", "thread", "turn", "command",
        "execCommandApproval", "echo hi", "/tmp", null, at, at.plusSeconds(600));
    JobSummary summary = new JobSummary("job-1", JobStatus.QUEUED, 0, "echo", 0, null, at, at);
    List<Object> messages = List.of(
        new JobDispatcher.Submit(spec, "job-1", replies.ref()),
        new JobDispatcher.Get("job-1", replies.ref()),
        new JobDispatcher.PageFrom(JobStatus.QUEUED, 10, new JobPosition(at, "job-0"),
            testKit.<JobDispatcher.JobPage>createTestProbe().ref()),
        new JobDispatcher.JobPage(List.of(summary), "job-1"),
        new JobDispatcher.Approvals(List.of(new JobDispatcher.JobApproval("job-1", 1, approval))),
        new JobStats(Map.of(JobStatus.QUEUED, 1L), Map.of(0, 1), Map.of("echo", 1),
            false, false),
        new ApprovalAnswer.Done("job-1", "appr-1"),
        new JobFeed.Item("job-1", 1, "agent_message", JsonNodeFactory.instance.objectNode()
            .put("text", "hi")),
        new JobFeed.ApprovalRequested("job-1", 1, approval),
        new JobFeed.End("job-1", null),
        new JobReply.Rejected("unavailable", "why"),
        new JobDispatcher.HandOff());
    for (Object message : messages) {
      assertEquals(message, OneNodeCluster.roundTrip(testKit, message),
          "round trip of " + message.getClass().getSimpleName());
    }
  }
}
