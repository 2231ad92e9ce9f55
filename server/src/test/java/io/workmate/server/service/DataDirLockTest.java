package io.workmate.server.service;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The data dir's lock within one JVM; JournalFaultsIT tests it between real processes. */
class DataDirLockTest {

  @TempDir Path tmp;

  @Test
  void theHolderWritesItsPidAndASecondClaimIsRefusedNamingIt() throws Exception {
    Path data = tmp.resolve("not-yet").resolve("data");
    long pid = ProcessHandle.current().pid();
    try (DataDirLock held = DataDirLock.acquire(data)) {
      assertTrue(Files.isDirectory(data), "the data dir is created");
      assertEquals(pid + "\n", Files.readString(data.resolve(DataDirLock.FILE_NAME)));
      DataDirLock.InUseException refused =
          assertThrows(DataDirLock.InUseException.class, () -> DataDirLock.acquire(data));
      assertEquals(OptionalLong.of(pid), refused.holderPid());
      assertEquals("the data dir " + data + " is in use by another workmate serve (pid " + pid
          + "); stop it first or use --data", refused.getMessage());
    }
    // released: the next claim gets it, and a stale pid in the file is simply replaced
    Files.writeString(data.resolve(DataDirLock.FILE_NAME), "999999999\n");
    try (DataDirLock again = DataDirLock.acquire(data)) {
      assertEquals(pid + "\n", Files.readString(data.resolve(DataDirLock.FILE_NAME)));
    }
  }
}
