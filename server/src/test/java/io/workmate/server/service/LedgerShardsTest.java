package io.workmate.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LedgerShardsTest {

  @TempDir
  Path dataDir;

  @Test
  void aNewDataDirRecordsTheConfiguredNumberAndKeepsIt() throws Exception {
    assertEquals(4, LedgerShards.resolve(dataDir, 4, false));
    assertTrue(Files.readString(dataDir.resolve(LedgerShards.FILE)).contains("shards=4"));
    // the journal exists now: the record, not the legacy number, decides
    assertEquals(4, LedgerShards.resolve(dataDir, 4, true));
  }

  @Test
  void anotherNumberForARecordedDataDirIsRefusedNamingBoth() throws Exception {
    LedgerShards.resolve(dataDir, 2, false);
    LedgerShards.Mismatch refused = assertThrows(LedgerShards.Mismatch.class,
        () -> LedgerShards.resolve(dataDir, 3, true));
    assertTrue(refused.getMessage().contains("workmate.jobs.ledger-shards is 3"),
        refused.getMessage());
    assertTrue(refused.getMessage().contains("first served with 2"), refused.getMessage());
    assertEquals(2, LedgerShards.resolve(dataDir, 2, true), "the record is unchanged");
  }

  @Test
  void aDataDirWhoseJournalPredatesTheRecordHasOneShard() throws Exception {
    assertThrows(LedgerShards.Mismatch.class, () -> LedgerShards.resolve(dataDir, 2, true));
    assertEquals(1, LedgerShards.resolve(dataDir, 1, true));
    assertTrue(Files.readString(dataDir.resolve(LedgerShards.FILE)).contains("shards=1"));
  }

  @Test
  void aDamagedRecordIsAnErrorNamingTheFile() throws Exception {
    Files.writeString(dataDir.resolve(LedgerShards.FILE), "shards=many\n");
    IOException damaged = assertThrows(IOException.class,
        () -> LedgerShards.resolve(dataDir, 1, true));
    assertTrue(damaged.getMessage().contains(LedgerShards.FILE), damaged.getMessage());
    assertTrue(damaged.getMessage().contains("many"), damaged.getMessage());
  }
}
