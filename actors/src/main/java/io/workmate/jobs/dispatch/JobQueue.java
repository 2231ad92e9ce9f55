package io.workmate.jobs.dispatch;

import io.workmate.jobs.JobSpec;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The queued jobs, in start order: higher priority first, then submission order. Kept as one
 * ordered set per route (the agent and capabilities a job asks for), because every job of a route
 * can start on the same agents: the next job to start is the first head, in start order, whose
 * route has an agent with room. Finding it costs a look at each route's head, not at every queued
 * job, so a long queue waiting for one busy agent does not slow down the others.
 */
final class JobQueue {

  /** What decides where a job can run: the agent it names and the capabilities it needs. */
  record Route(String agent, Set<String> capabilities) {

    static Route of(JobSpec spec) {
      return new Route(spec.agent(), Set.copyOf(spec.capabilities()));
    }
  }

  /** A queued job: its priority, its submission order and its route. */
  record Entry(String jobId, int priority, long order, Route route) {}

  static final Comparator<Entry> START_ORDER = Comparator
      .comparingInt((Entry entry) -> -entry.priority())
      .thenComparingLong(Entry::order)
      .thenComparing(Entry::jobId);

  private final Map<Route, TreeSet<Entry>> byRoute = new HashMap<>();
  private final Map<String, Entry> byId = new HashMap<>();
  private final Map<Integer, Integer> depthByPriority = new HashMap<>();

  /** Queues {@code entry}; false when its job is queued already. */
  boolean add(Entry entry) {
    if (byId.putIfAbsent(entry.jobId(), entry) != null) {
      return false;
    }
    byRoute.computeIfAbsent(entry.route(), route -> new TreeSet<>(START_ORDER)).add(entry);
    depthByPriority.merge(entry.priority(), 1, Integer::sum);
    return true;
  }

  /** Takes the job out of the queue; its entry, or null when it was not queued. */
  Entry remove(String jobId) {
    Entry entry = byId.remove(jobId);
    if (entry == null) {
      return null;
    }
    TreeSet<Entry> route = byRoute.get(entry.route());
    route.remove(entry);
    if (route.isEmpty()) {
      byRoute.remove(entry.route());
    }
    if (depthByPriority.merge(entry.priority(), -1, Integer::sum) <= 0) {
      depthByPriority.remove(entry.priority());
    }
    return entry;
  }

  /** Queued jobs of {@code priority}. */
  int depth(int priority) {
    return depthByPriority.getOrDefault(priority, 0);
  }

  /** Queued jobs per priority (only priorities with some). */
  Map<Integer, Integer> depthByPriority() {
    return Map.copyOf(depthByPriority);
  }

  boolean isEmpty() {
    return byId.isEmpty();
  }

  int size() {
    return byId.size();
  }

  /** The first job of each route, in start order. */
  List<Entry> heads() {
    List<Entry> heads = new ArrayList<>(byRoute.size());
    byRoute.values().forEach(route -> heads.add(route.first()));
    heads.sort(START_ORDER);
    return heads;
  }

  /** Every queued job id in start order (for tests and health checks; sorts the whole queue). */
  List<String> inStartOrder() {
    List<Entry> all = new ArrayList<>(byId.values());
    all.sort(START_ORDER);
    return all.stream().map(Entry::jobId).toList();
  }
}
