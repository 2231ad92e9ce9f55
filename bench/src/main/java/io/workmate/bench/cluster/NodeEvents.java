package io.workmate.bench.cluster;

import java.util.List;

/**
 * Membership trouble in the nodes' logs. serve logs Pekko at WARN, which includes the failure
 * detector's "Marking node(s) as UNREACHABLE" and the Split Brain Resolver's downing decision;
 * a node the cluster downed also says so itself before it exits 6. A node is gone, too, when
 * its process ended or it no longer answers {@code /v1/ready} with 200 (not a member, or not
 * serving its queue).
 *
 * @param unreachable lines that mark a node unreachable (a node that is leaving in order is
 *     marked too, as expected: those lines are not counted)
 * @param downs lines that down a node or say this node was downed
 * @param gone nodes whose process ended or that are not ready
 * @param sample the first such line, for the report
 */
record NodeEvents(int unreachable, int downs, int gone, String sample) {

  static final NodeEvents NONE = new NodeEvents(0, 0, 0, null);

  /** What the logs of {@code nodes} say, and which of them are gone. */
  static NodeEvents scan(List<ClusterNode> nodes) {
    NodeEvents events = NONE;
    for (ClusterNode node : nodes) {
      int unreachable = 0;
      int downs = 0;
      String sample = null;
      for (String line : node.logLines()) {
        boolean marked = isUnreachable(line);
        boolean down = isDown(line);
        unreachable += marked ? 1 : 0;
        downs += down ? 1 : 0;
        if ((marked || down) && sample == null) {
          sample = node.name() + ": " + line;
        }
      }
      boolean ready = node.isAlive() && node.api().get("/v1/ready").status() == 200;
      events = events.plus(new NodeEvents(unreachable, downs, ready ? 0 : 1, sample));
    }
    return events;
  }

  /** The failure detector gave up on a node (not one leaving in order, which is expected). */
  static boolean isUnreachable(String line) {
    return line.contains("as UNREACHABLE") && !line.contains("exiting node");
  }

  /** A downing: the SBR's decision, a leader marking a node Down, or a node told it is down. */
  static boolean isDown(String line) {
    return line.contains("SBR took decision") || line.contains("SBR is downing")
        || line.contains("will down all nodes") || line.contains("as [Down]")
        || line.contains("downed this node");
  }

  NodeEvents plus(NodeEvents other) {
    return new NodeEvents(unreachable + other.unreachable, downs + other.downs,
        gone + other.gone, sample != null ? sample : other.sample);
  }

  boolean any() {
    return unreachable + downs + gone > 0;
  }
}
