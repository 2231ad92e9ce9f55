/**
 * The agent registry of a cluster: the shared agents (http, gateway) registered once for the
 * cluster in a Cluster Sharding entity and mirrored into every node's registry, which runs them
 * there; the node-local agents (codex, echo) in each node's own registry; and the front every
 * node answers the API through ({@link io.workmate.registry.cluster.ClusterAgents}).
 */
package io.workmate.registry.cluster;
