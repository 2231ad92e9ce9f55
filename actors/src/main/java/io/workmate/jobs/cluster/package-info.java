/**
 * The job queue of a cluster: the job ledger's shards as Cluster Sharding entities, each a
 * {@link io.workmate.jobs.dispatch.JobDispatcher} over one shard that runs its jobs on the agents
 * of the node hosting it ({@link io.workmate.jobs.cluster.JobShardHost}), and the front every
 * node answers the API through ({@link io.workmate.jobs.cluster.JobShards}).
 */
package io.workmate.jobs.cluster;
