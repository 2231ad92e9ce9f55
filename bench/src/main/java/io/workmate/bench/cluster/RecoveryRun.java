package io.workmate.bench.cluster;

import io.workmate.bench.common.Poll;
import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.bench.soak.ServiceApi;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Predicate;

/**
 * One kill of the recovery phase. Under a steady load of echo jobs sent to the survivors-to-be,
 * SIGKILL a node that hosts shards, and measure the <b>recovery time</b>: from the kill to the
 * first success, on a survivor, of a job of the dead node's shards that had not succeeded at the
 * kill. Those jobs are the ones the dead node held (acknowledged, queued or running) and the
 * ones submitted after the kill, which are answered (202) only once their shard runs again
 * somewhere. The success time is the job's {@code updatedAt}, stamped by the survivor that ran
 * it (same machine, same clock as the bench), so polling does not add to it. Then the node is
 * started again on its data dir, and the round ends once it hosts its even share of the shards.
 */
final class RecoveryRun {

  /** Longest wait for the dead node's shards to answer on a survivor; the goal is 30 s. */
  private static final Duration RECOVERY_LIMIT = Duration.ofSeconds(120);

  /**
   * What a round measured.
   *
   * @param recoverySeconds kill → first success of a dead node's job on a survivor; NaN if none
   * @param unreachableSeconds kill → a survivor's log marks the node unreachable; NaN if none
   * @param downedSeconds kill → the first downing decision in a survivor's log; NaN if none
   * @param firstAckSeconds kill → the first 202 for a job of the dead node's shards sent after
   *     the kill
   * @param candidates acknowledged jobs of the dead node's shards not succeeded at the kill
   * @param heldAtKill of those, the ones acknowledged before the kill (the dead node held them)
   * @param lost acknowledged jobs of the dead node's shards that never succeeded
   * @param unacknowledged jobs of the load that never got a 202
   * @param rejoinSeconds restart → the node is ready and the shards are spread evenly again
   * @param map the shard map after the rejoin, for the next round
   */
  record Result(int round, String victim, Set<Integer> victimShards, double recoverySeconds,
      double unreachableSeconds, double downedSeconds, double firstAckSeconds, int candidates,
      int heldAtKill, int lost, int unacknowledged, String firstProblem, double rejoinSeconds,
      Map<Integer, String> map) {}

  private final LocalCluster cluster;
  private final int rate;

  RecoveryRun(LocalCluster cluster, int rate) {
    this.cluster = cluster;
    this.rate = rate;
  }

  Result run(int round, String victimName, Map<Integer, String> map) throws IOException {
    ClusterNode victim = cluster.node(victimName);
    List<ClusterNode> survivors = cluster.live().stream().filter(node -> node != victim).toList();
    Set<Integer> victimShards = new TreeSet<>();
    map.forEach((shard, node) -> {
      if (node.equals(victimName)) {
        victimShards.add(shard);
      }
    });
    if (victimShards.isEmpty()) {
      throw new IllegalStateException(victimName + " hosts no shard: " + map);
    }
    Map<ClusterNode, Integer> logMarks = new HashMap<>();
    survivors.forEach(node -> logMarks.put(node, node.logLines().size()));
    ClusterNode.Killed killed;
    Optional<SteadyLoad.Job> firstAck;
    List<SteadyLoad.Job> sent;
    try (SteadyLoad load = SteadyLoad.start(survivors, "recovery-" + round, rate,
        cluster.shards())) {
      Poll.pause(3_000); // the load runs steadily before the kill
      killed = victim.kill();
      firstAck = Poll.until(RECOVERY_LIMIT, Duration.ofMillis(100), () -> load.jobs().stream()
          .filter(job -> victimShards.contains(job.shard) && job.submittedNanos > killed.nanos()
              && job.acked())
          .min(Comparator.comparingLong(job -> job.ackedNanos)));
      Poll.pause(2_000); // a little more load on the recovered shards
      load.stop(Duration.ofSeconds(100));
      sent = load.jobs();
    }
    Tally tally = tally(sent, victimShards, victimName, killed, survivors.get(0).api());
    double unreachable = firstLogLine(survivors, logMarks, killed.at(),
        NodeEvents::isUnreachable);
    double downed = firstLogLine(survivors, logMarks, killed.at(), NodeEvents::isDown);
    double firstAckSeconds = firstAck.map(job -> (job.ackedNanos - killed.nanos()) / 1e9)
        .orElse(Double.NaN);
    long restart = System.nanoTime();
    cluster.restart(victimName);
    Map<Integer, String> after = cluster.awaitBalanced();
    return new Result(round, victimName, victimShards, tally.recoverySeconds(), unreachable,
        downed, firstAckSeconds, tally.candidates(), tally.heldAtKill(), tally.lost(),
        (int) sent.stream().filter(job -> !job.acked()).count(), tally.firstProblem(),
        (System.nanoTime() - restart) / 1e9, after);
  }

  /** What became of the acknowledged jobs of the dead node's shards. */
  private record Tally(double recoverySeconds, int candidates, int heldAtKill, int lost,
      String firstProblem) {}

  private static Tally tally(List<SteadyLoad.Job> sent, Set<Integer> victimShards,
      String victimName, ClusterNode.Killed killed, ServiceApi api) {
    List<SteadyLoad.Job> ofVictim = sent.stream()
        .filter(job -> victimShards.contains(job.shard) && job.acked()).toList();
    Map<String, JsonNode> finals = finalStates(api, ofVictim);
    double recovery = Double.NaN;
    int candidates = 0;
    int heldAtKill = 0;
    int lost = 0;
    String firstProblem = sent.stream().filter(job -> job.failure != null)
        .map(job -> job.id + ": " + job.failure).findFirst().orElse(null);
    for (SteadyLoad.Job job : ofVictim) {
      JsonNode state = finals.get(job.id);
      if (!state.path("status").asText().equals("succeeded")) {
        lost++;
        firstProblem = firstProblem != null ? firstProblem : job.id + " ended " + state;
        continue;
      }
      Instant at = Instant.parse(state.path("updatedAt").asText());
      boolean onSurvivor = !state.path("agent").asText().endsWith("@" + victimName);
      if (!onSurvivor || !at.isAfter(killed.at())) {
        continue; // it succeeded on the node before the kill
      }
      candidates++;
      heldAtKill += job.submittedNanos < killed.nanos() ? 1 : 0;
      double seconds = Duration.between(killed.at(), at).toNanos() / 1e9;
      recovery = Double.isNaN(recovery) ? seconds : Math.min(recovery, seconds);
    }
    return new Tally(recovery, candidates, heldAtKill, lost, firstProblem);
  }

  /** Each job as a survivor reports it once it is terminal (or after 30 s, as it is then). */
  private static Map<String, JsonNode> finalStates(ServiceApi api, List<SteadyLoad.Job> jobs) {
    Map<String, JsonNode> states = new HashMap<>();
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    for (SteadyLoad.Job job : jobs) {
      ServiceApi.Answer answer = api.get("/v1/jobs/" + job.id);
      while (!terminal(answer) && System.nanoTime() < deadline) {
        Poll.pause(100);
        answer = api.get("/v1/jobs/" + job.id);
      }
      states.put(job.id, answer.body());
    }
    return states;
  }

  private static boolean terminal(ServiceApi.Answer answer) {
    String status = answer.body().path("status").asText();
    return answer.ok() && List.of("succeeded", "failed", "dead", "cancelled").contains(status);
  }

  /**
   * Kill → the first line of a survivor's log, written after the kill, that {@code matches}
   * (serve logs {@code HH:mm:ss.SSS} local time); NaN if none.
   */
  private static double firstLogLine(List<ClusterNode> survivors,
      Map<ClusterNode, Integer> marks, Instant kill, Predicate<String> matches) {
    List<Double> seconds = new ArrayList<>();
    ZonedDateTime killed = kill.atZone(ZoneId.systemDefault());
    for (ClusterNode node : survivors) {
      List<String> lines = node.logLines();
      for (String line : lines.subList(Math.min(marks.get(node), lines.size()), lines.size())) {
        if (matches.test(line) && line.length() > 12) {
          try {
            ZonedDateTime at = killed.with(LocalTime.parse(line.substring(0, 12)));
            if (at.isBefore(killed.minusHours(12))) {
              at = at.plusDays(1); // the day turned since the kill
            }
            seconds.add(Duration.between(killed, at).toNanos() / 1e9);
          } catch (DateTimeParseException notStamped) {
            // a continuation line of a message: no time of its own
          }
        }
      }
    }
    return seconds.stream().mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
  }
}
