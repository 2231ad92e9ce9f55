package io.workmate.bench.cluster;

import java.nio.file.Path;

/**
 * The command line of {@code scripts/bench cluster}.
 *
 * @param jobs jobs per measured throughput run
 * @param warmupJobs jobs per node of the unmeasured run before each measured one, on the same
 *     cluster
 * @param connections keep-alive HTTP connections of the throughput load, each sending its next
 *     job as soon as the last was answered
 * @param repeat rounds; each round measures a fresh 1-node and a fresh n-node cluster
 * @param nodes nodes of the larger cluster (the recovery phase too)
 * @param jobShards the job ledger's shards, given to every node (the bench computes which shard
 *     a job lands in, so it must know the number)
 * @param localSubmits an experiment: every job's key chosen so that its shard lives on the node
 *     it is sent to, so no submit crosses nodes
 * @param kills kill-and-restart rounds of the recovery phase
 * @param recoveryRate jobs per second of the steady load during the recovery phase
 * @param baseDir where the temporary dirs go (PostgreSQL's must be reachable by its user)
 * @param oneNodeOnly measure the 1-node cluster alone (no larger cluster, no ratio)
 * @param javaOpts the nodes' {@code WORKMATE_JAVA_OPTS}, or empty for bin/workmate's defaults
 */
record ClusterBenchOptions(int jobs, int warmupJobs, int connections, int repeat, int nodes,
    int jobShards, boolean localSubmits, boolean throughput, int kills, int recoveryRate,
    boolean recovery, Path baseDir, boolean keep, boolean oneNodeOnly, String javaOpts) {

  static final String USAGE = String.join("\n",
      "usage: scripts/bench cluster [options]",
      "  Cluster mode (issue 15) against real bin/workmate serve nodes on a private PostgreSQL",
      "  (scripts/postgres), each cluster on a fresh database.",
      "  Throughput: jobs/s enqueue -> succeeded (echo agent), 1 node vs N nodes; PSS of the",
      "  nodes after each run; nodes marked unreachable or downed during the runs",
      "  --jobs N            jobs per measured run (default 40000)",
      "  --warmup-jobs N     unmeasured jobs per node before each measured run, so that",
      "                      the nodes' optimizing compiler is done (default 60000)",
      "  --connections N     keep-alive HTTP connections of the load (default 256)",
      "  --repeat N          rounds, each a fresh 1-node and N-node cluster; medians (default 3)",
      "  --nodes N           nodes of the larger cluster (default 3)",
      "  --job-shards N      WORKMATE_CLUSTER_JOB_SHARDS of every node (default 12)",
      "  --local-submits     experiment: choose each job's idempotency key so that its shard",
      "                      lives on the node it is sent to (no submit crosses nodes)",
      "  --one-node-only     measure the 1-node cluster only (no ratio)",
      "  --java-opts OPTS    the nodes' WORKMATE_JAVA_OPTS, e.g. '-XX:+UseParallelGC -Xss512k'",
      "                      (default: none, bin/workmate's options for serve)",
      "  --no-throughput     skip the throughput phase",
      "  Recovery: kill -9 a non-first node under a steady load, the time until the first job",
      "  of its shards succeeds on a survivor; then restart it and wait for it to take shards",
      "  --kills N           kill-and-restart rounds (default 3)",
      "  --recovery-rate R   jobs/s of the steady load (default 50)",
      "  --no-recovery       skip the recovery phase",
      "  --dir DIR           where the temporary dirs go (default java.io.tmpdir; PostgreSQL's",
      "                      user must reach it when run as root)",
      "  --keep              keep the data dirs, the nodes' logs and the databases");

  static ClusterBenchOptions parse(String[] args) {
    // a run of 20,000 jobs (4-7 s) measured one node at 2,934-3,041 jobs/s, one of 40,000 at
    // 5,308: in a short run the first seconds after the warm-up weigh too much
    int jobs = 40_000;
    // serve runs C2: one node reached 2,778 jobs/s after 15,000 warm-up jobs, 4,014 after
    // 40,000 and 4,746 after 60,000 (C1 only: 2,600-2,700 after any of them)
    int warmupJobs = 60_000;
    // jobs in flight decide how many ops share a journal write: on one node, 32 connections
    // gave 1,185 jobs/s and 256 gave 2,493 to 2,969; 1,000 (then opened all at once) hit
    // connect timeouts and gave less, so 256 it is
    int connections = 256;
    int repeat = 3;
    int nodes = 3;
    int jobShards = 12;
    boolean localSubmits = false;
    boolean throughput = true;
    int kills = 3;
    int recoveryRate = 50;
    boolean recovery = true;
    Path baseDir = Path.of(System.getProperty("java.io.tmpdir"));
    boolean keep = false;
    boolean oneNodeOnly = false;
    String javaOpts = "";
    for (int i = 0; i < args.length; i++) {
      String name = args[i];
      switch (name) {
        case "--jobs" -> jobs = positive(name, value(args, ++i, name));
        case "--warmup-jobs" -> warmupJobs = atLeastZero(name, value(args, ++i, name));
        case "--connections" -> connections = positive(name, value(args, ++i, name));
        case "--repeat" -> repeat = positive(name, value(args, ++i, name));
        case "--nodes" -> nodes = positive(name, value(args, ++i, name));
        case "--job-shards" -> jobShards = positive(name, value(args, ++i, name));
        case "--local-submits" -> localSubmits = true;
        case "--no-throughput" -> throughput = false;
        case "--kills" -> kills = positive(name, value(args, ++i, name));
        case "--recovery-rate" -> recoveryRate = positive(name, value(args, ++i, name));
        case "--no-recovery" -> recovery = false;
        case "--dir" -> baseDir = Path.of(value(args, ++i, name));
        case "--keep" -> keep = true;
        case "--one-node-only" -> oneNodeOnly = true;
        case "--java-opts" -> javaOpts = value(args, ++i, name).strip();
        default -> throw new IllegalArgumentException("unknown option " + name);
      }
    }
    // a majority must survive a kill (keep-majority), so the smallest cluster to kill in is 3
    if (nodes < 3) {
      throw new IllegalArgumentException("--nodes must be at least 3 (one is killed, the"
          + " majority must survive)");
    }
    if (jobShards < 2 || jobShards > 64) {
      throw new IllegalArgumentException("--job-shards takes 2..64 (the service's range)");
    }
    return new ClusterBenchOptions(jobs, warmupJobs, connections, repeat, nodes, jobShards,
        localSubmits, throughput, kills, recoveryRate, recovery, baseDir.toAbsolutePath(), keep,
        oneNodeOnly, javaOpts);
  }

  private static String value(String[] args, int index, String name) {
    if (index >= args.length) {
      throw new IllegalArgumentException(name + " needs a value");
    }
    return args[index];
  }

  private static int positive(String name, String value) {
    int number = atLeastZero(name, value);
    if (number < 1) {
      throw new IllegalArgumentException(name + " must be at least 1, got " + value);
    }
    return number;
  }

  private static int atLeastZero(String name, String value) {
    try {
      int number = Integer.parseInt(value);
      if (number < 0) {
        throw new IllegalArgumentException(name + " must not be negative, got " + value);
      }
      return number;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(name + " takes a whole number, not '" + value + "'");
    }
  }
}
