package io.workmate.jobs;

/**
 * Which shards of a job ledger one {@link JobLedger} holds: all of them (one service on its own
 * journal), or one (a cluster, where each shard is an entity placed on some node). A job's shard
 * follows from its id and the number of shards ({@link JobLedger#shardOf}), on every node alike.
 *
 * @param shards the ledger's shards in all
 * @param only the one shard held, or -1 for all
 */
public record LedgerPart(int shards, int only) {

  public LedgerPart {
    if (shards < 1 || shards > JobLedger.MAX_SHARDS) {
      throw new IllegalArgumentException("shards must be 1.." + JobLedger.MAX_SHARDS + ": "
          + shards);
    }
    if (only < -1 || only >= shards) {
      throw new IllegalArgumentException("shard " + only + " is not one of " + shards);
    }
  }

  /** Every shard of a ledger of {@code shards}. */
  public static LedgerPart all(int shards) {
    return new LedgerPart(shards, -1);
  }

  /** Shard {@code shard} alone, of a ledger of {@code shards}. */
  public static LedgerPart one(int shard, int shards) {
    return new LedgerPart(shards, shard);
  }

  /**
   * Whether this is one shard of a cluster's ledger: it moves between nodes, and an attempt it
   * finds running when it starts ran on a node that was lost (a shard handed over in order
   * released its attempts first).
   */
  public boolean movesBetweenNodes() {
    return only >= 0;
  }

  /** How many shards this part holds. */
  public int held() {
    return only < 0 ? shards : 1;
  }

  /** The shard at {@code index} of the held ones. */
  public int shardAt(int index) {
    return only < 0 ? index : only;
  }

  /** The index among the held shards of {@code jobId}'s shard, or -1 when another part has it. */
  public int indexOf(String jobId) {
    int shard = JobLedger.shardOf(jobId, shards);
    if (only < 0) {
      return shard;
    }
    return shard == only ? 0 : -1;
  }
}
