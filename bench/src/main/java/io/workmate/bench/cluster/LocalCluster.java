package io.workmate.bench.cluster;

import io.workmate.bench.common.Poll;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;
import java.util.stream.Collectors;

/**
 * n nodes of {@code bin/workmate serve} on this machine, on a fresh PostgreSQL of their own:
 * node-a (the first seed, started first), node-b, ... with one seed list for all. A cluster of
 * one is a node whose seed list is itself: "1 node on PostgreSQL".
 */
final class LocalCluster implements AutoCloseable {

  /** How long the shards may take to spread evenly: a few rebalance rounds of 5 s. */
  private static final Duration BALANCE_LIMIT = Duration.ofSeconds(90);

  private final Path home;
  private final Path dir;
  private final int shards;
  private final String javaOpts;
  private final PrivatePostgres postgres;
  private final Map<String, ClusterNode> nodes = new LinkedHashMap<>();
  /** Incarnations per node name, to give each restart a log file of its own. */
  private final Map<String, Integer> starts = new HashMap<>();
  /** The shard map last seen balanced; empty for one node (it hosts every shard). */
  private volatile Map<Integer, String> shardMap = Map.of();

  private LocalCluster(Path home, Path dir, int shards, String javaOpts,
      PrivatePostgres postgres) {
    this.home = home;
    this.dir = dir;
    this.shards = shards;
    this.javaOpts = javaOpts;
    this.postgres = postgres;
  }

  /**
   * Starts a PostgreSQL in {@code dir}, then {@code size} nodes: node-a first (its banner comes
   * once it has formed the cluster), then the others at once; waits until every node is ready
   * and, with more than one, until the shards are spread evenly. {@code javaOpts} are the
   * nodes' {@code WORKMATE_JAVA_OPTS}, or empty for bin/workmate's own.
   */
  static LocalCluster start(Path home, Path dir, int size, int shards, String javaOpts)
      throws IOException {
    Files.createDirectories(dir);
    LocalCluster cluster = new LocalCluster(home, dir, shards, javaOpts,
        PrivatePostgres.start(home, dir.resolve("postgres")));
    try {
      List<ClusterNode.Spec> specs = cluster.specs(size);
      cluster.launch(specs.get(0)).awaitBanner();
      List<ClusterNode> others = new ArrayList<>();
      for (ClusterNode.Spec spec : specs.subList(1, specs.size())) {
        others.add(cluster.launch(spec));
      }
      others.forEach(ClusterNode::awaitBanner);
      cluster.nodes().forEach(ClusterNode::awaitReady);
      if (size > 1) {
        cluster.awaitBalanced();
      }
      return cluster;
    } catch (RuntimeException | IOException e) {
      cluster.close();
      throw e;
    }
  }

  private List<ClusterNode.Spec> specs(int size) throws IOException {
    List<Integer> ports = freePorts(size);
    String seeds = ports.stream().map(port -> "127.0.0.1:" + port)
        .collect(Collectors.joining(","));
    List<ClusterNode.Spec> specs = new ArrayList<>();
    for (int n = 0; n < size; n++) {
      String name = "node-" + (char) ('a' + n);
      Map<String, String> env = new HashMap<>(postgres.env());
      env.put("WORKMATE_CLUSTER_JOB_SHARDS", Integer.toString(shards));
      if (!javaOpts.isEmpty()) {
        env.put("WORKMATE_JAVA_OPTS", javaOpts);
      }
      specs.add(new ClusterNode.Spec(name, ports.get(n), dir.resolve(name), seeds, env));
    }
    return specs;
  }

  /** Free TCP ports for the nodes' Artery; all held open together, so they differ. */
  private static List<Integer> freePorts(int count) throws IOException {
    List<ServerSocket> held = new ArrayList<>();
    try {
      for (int n = 0; n < count; n++) {
        held.add(new ServerSocket(0));
      }
      return held.stream().map(ServerSocket::getLocalPort).toList();
    } finally {
      for (ServerSocket socket : held) {
        socket.close();
      }
    }
  }

  private ClusterNode launch(ClusterNode.Spec spec) throws IOException {
    int incarnation = starts.merge(spec.name(), 1, Integer::sum);
    ClusterNode node = ClusterNode.launch(home, spec,
        dir.resolve(spec.name() + (incarnation == 1 ? "" : "." + incarnation) + ".err"));
    nodes.put(spec.name(), node);
    return node;
  }

  /** The current incarnation of every node, node-a first; killed ones included. */
  List<ClusterNode> nodes() {
    return List.copyOf(nodes.values());
  }

  List<ClusterNode> live() {
    return nodes.values().stream().filter(ClusterNode::isAlive).toList();
  }

  ClusterNode node(String name) {
    return nodes.get(name);
  }

  int shards() {
    return shards;
  }

  /** Shard → node name as last seen balanced; empty for a cluster of one. */
  Map<Integer, String> shardMap() {
    return shardMap;
  }

  String postgresUrl() {
    return postgres.url();
  }

  /**
   * Starts {@code name} again with its spec and data dir (a killed node comes back as a new
   * member), waits until it is ready; returns the new incarnation.
   */
  ClusterNode restart(String name) throws IOException {
    ClusterNode old = nodes.get(name);
    old.close();
    ClusterNode fresh = launch(old.spec());
    fresh.awaitBanner();
    fresh.awaitReady();
    return fresh;
  }

  /** Probes the shard map until every live node hosts its even share; the last map seen. */
  Map<Integer, String> awaitBalanced() {
    List<String> names = live().stream().map(ClusterNode::name).toList();
    AtomicReference<Map<Integer, String>> last = new AtomicReference<>(Map.of());
    Optional<Map<Integer, String>> balanced = Poll.until(BALANCE_LIMIT, Duration.ofSeconds(2),
        () -> {
          Map<Integer, String> now = ShardMap.probe(live(), shards);
          last.set(now);
          return ShardMap.balanced(now, names) ? Optional.of(now) : Optional.empty();
        });
    balanced.ifPresent(map -> shardMap = map);
    return balanced.orElseThrow(() -> new IllegalStateException("the shards did not spread"
        + " evenly over " + names + " within " + BALANCE_LIMIT.toSeconds() + " s: "
        + ShardMap.counts(last.get())));
  }

  /** PSS of every live node's process tree, summed, in bytes. */
  long pssBytes() {
    return live().stream().mapToLong(node -> ProcessMemory.treePssBytes(node.pid())).sum();
  }

  /** PSS of the live nodes' JVMs alone (without the codex app-server each starts), summed. */
  long jvmPssBytes() {
    return live().stream().mapToLong(node -> ProcessMemory.pssBytes(node.pid())).sum();
  }

  /** CPU ticks used so far by the database server and its backends; -1 when unreadable. */
  long databaseCpuTicks() {
    return postgres.cpuTicks();
  }

  /** CPU ticks used so far by the live nodes' JVMs. */
  long cpuTicks() {
    return live().stream().mapToLong(node -> Math.max(0, ProcessMemory.cpuTicks(node.pid())))
        .sum();
  }

  /** Kills every node (the figures are taken), then stops the database. */
  @Override
  public void close() {
    nodes.values().forEach(ClusterNode::close);
    postgres.close();
  }
}
