package io.workmate.bench.cluster;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The recovery phase: one n-node cluster on a fresh database, and {@code kills} rounds of
 * {@link RecoveryRun} on it. The victim is never node-a, the first seed (a cluster is formed
 * around it, and it is the node clients were told to start first); the others take turns.
 */
final class RecoveryPhase {

  private final Path home;
  private final ClusterBenchOptions options;

  RecoveryPhase(Path home, ClusterBenchOptions options) {
    this.home = home;
    this.options = options;
  }

  List<RecoveryRun.Result> run(Path root) throws IOException {
    ClusterBench.say("recovery: starting " + options.nodes() + " nodes on a fresh PostgreSQL");
    List<RecoveryRun.Result> results = new ArrayList<>();
    try (LocalCluster cluster = LocalCluster.start(home, root.resolve("recovery"),
        options.nodes(), options.jobShards(), options.javaOpts())) {
      Map<Integer, String> map = cluster.awaitBalanced();
      RecoveryRun run = new RecoveryRun(cluster, options.recoveryRate());
      List<ClusterNode> nodes = cluster.nodes();
      for (int kill = 1; kill <= options.kills(); kill++) {
        String victim = nodes.get(1 + (kill - 1) % (nodes.size() - 1)).name();
        ClusterBench.say("recovery: kill " + kill + " of " + options.kills() + ": kill -9 "
            + victim + "; shards per node " + ShardMap.counts(map));
        RecoveryRun.Result result = run.run(kill, victim, map);
        ClusterBench.say(String.format(Locale.ROOT, "recovery: kill %d: first success on a"
            + " survivor %.2f s after the kill; %s rejoined in %.1f s: %s", kill,
            result.recoverySeconds(), victim, result.rejoinSeconds(),
            ShardMap.counts(result.map())));
        results.add(result);
        map = result.map();
      }
    }
    return results;
  }
}
