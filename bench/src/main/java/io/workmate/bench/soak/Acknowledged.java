package io.workmate.bench.soak;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.bench.soak.SoakProfile.Write;
import java.time.Instant;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Everything the service acknowledged over the whole run, across all cycles: what must be there
 * after every restart. Only answers count: a request the kill cut off is not here (the few
 * whose outcome is unknown are marked uncertain, and then either outcome is accepted).
 */
final class Acknowledged {

  /** A job the service answered 202 for; {@code request} is the body, for idempotency checks. */
  record Job(String id, Write kind, ObjectNode request, int cycle) {}

  /** An agent registration as acknowledged last: present (with settings) or deregistered. */
  record Agent(String id, boolean registered, ObjectNode settings, Instant expiresAt,
      boolean uncertain) {}

  /**
   * A job the service showed in a final status before a kill, long enough before it that the
   * transition was committed: it must not change, nor run again (same attempts, same time).
   */
  record Final(String status, int attempts, String updatedAt, int cycle) {}

  final Map<String, Job> jobs = new LinkedHashMap<>();
  final Map<String, Final> finals = new LinkedHashMap<>();
  /** Jobs whose cancel was answered 200: they must stay cancelled. */
  final Set<String> cancelled = new HashSet<>();
  /** A cancel in flight at the kill: the job may or may not be cancelled. */
  final Set<String> cancelUncertain = new HashSet<>();
  /** Per memory agent: seq → text of every acknowledged entry. */
  final Map<String, TreeMap<Long, String>> memory = new LinkedHashMap<>();
  final Map<String, Agent> agents = new LinkedHashMap<>();
  private final Map<Write, Integer> counts = new EnumMap<>(Write.class);

  void count(Write write) {
    counts.merge(write, 1, Integer::sum);
  }

  Map<Write, Integer> counts() {
    return counts;
  }

  int total() {
    return counts.values().stream().mapToInt(Integer::intValue).sum();
  }

  long maxSeq(String agentId) {
    TreeMap<Long, String> entries = memory.get(agentId);
    return entries == null || entries.isEmpty() ? 0 : entries.lastKey();
  }
}
