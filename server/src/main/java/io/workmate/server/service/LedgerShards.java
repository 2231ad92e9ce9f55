package io.workmate.server.service;

import io.workmate.jobs.JobLedger;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.Properties;

/**
 * The number of job ledger shards a data dir was first served with, kept in {@value #FILE}: a
 * job's shard follows from its id and that number, so serving the same journal with another
 * number would hide the jobs already journaled. A data dir whose journal predates the file was
 * written with {@link JobLedger#LEGACY_SHARDS}.
 */
public final class LedgerShards {

  public static final String FILE = "job-ledger.properties";
  private static final String KEY = "shards";

  private LedgerShards() {}

  /** The data dir holds another number than {@code workmate.jobs.ledger-shards} asks for. */
  public static final class Mismatch extends Exception {
    Mismatch(String message) {
      super(message);
    }
  }

  /**
   * The shards to serve {@code dataDir} with: the recorded number, which must equal {@code
   * configured}; for a data dir without a record, {@link JobLedger#LEGACY_SHARDS} when it already
   * holds a journal ({@code journalExists}), else {@code configured}, recorded now.
   */
  public static int resolve(Path dataDir, int configured, boolean journalExists)
      throws Mismatch, IOException {
    Path file = dataDir.resolve(FILE);
    if (Files.exists(file)) {
      int recorded = read(file);
      check(recorded, configured, "the data dir " + dataDir + " was first served with "
          + recorded + " (" + file + ")");
      return recorded;
    }
    if (journalExists) {
      check(JobLedger.LEGACY_SHARDS, configured, "the data dir " + dataDir
          + " holds a journal written before the number was a setting, with "
          + JobLedger.LEGACY_SHARDS);
    }
    int shards = journalExists ? JobLedger.LEGACY_SHARDS : configured;
    write(file, shards);
    return shards;
  }

  /**
   * The shards the journal of {@code dataDir} was written with, whatever the configuration says
   * (to read it, as {@code workmate export} does): the record, else
   * {@link JobLedger#LEGACY_SHARDS}.
   */
  public static int recorded(Path dataDir) throws IOException {
    Path file = dataDir.resolve(FILE);
    return Files.exists(file) ? read(file) : JobLedger.LEGACY_SHARDS;
  }

  private static void check(int fixed, int configured, String why) throws Mismatch {
    if (fixed != configured) {
      throw new Mismatch("workmate.jobs.ledger-shards is " + configured + ", but " + why
          + "; the number is fixed for a data dir (a job's shard follows from it): set "
          + fixed + " or serve another data dir");
    }
  }

  private static int read(Path file) throws IOException {
    Properties properties = new Properties();
    try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
      properties.load(in);
    }
    String value = properties.getProperty(KEY, "").trim();
    try {
      int shards = Integer.parseInt(value);
      if (shards >= 1 && shards <= JobLedger.MAX_SHARDS) {
        return shards;
      }
    } catch (NumberFormatException notANumber) {
      // reported below
    }
    throw new IOException(file + ": '" + KEY + "' must be 1.." + JobLedger.MAX_SHARDS
        + ", not '" + value + "'");
  }

  /** Written beside and moved over, so a crash leaves the old file or the new one, not half. */
  private static void write(Path file, int shards) throws IOException {
    Files.createDirectories(file.getParent());
    Path temporary = file.resolveSibling(FILE + ".tmp");
    Properties properties = new Properties();
    properties.setProperty(KEY, Integer.toString(shards));
    try (FileChannel channel = FileChannel.open(temporary, StandardOpenOption.CREATE,
        StandardOpenOption.TRUNCATE_EXISTING, StandardOpenOption.WRITE)) {
      Writer out = Channels.newWriter(channel, StandardCharsets.UTF_8);
      properties.store(out, "The job ledger's shards: fixed for this data dir");
      out.flush();
      channel.force(true); // on disk before the journal holds a job sharded by it
    }
    Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE,
        StandardCopyOption.REPLACE_EXISTING);
  }
}
