package io.workmate.server.service;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.OptionalLong;

/**
 * The exclusive claim of one {@code workmate serve} on its data dir: an OS lock on
 * {@code <data-dir>/workmate.lock}, which holds the holder's pid for whoever is refused. Taken
 * before anything touches the data dir (codex's home, the journal, leftover processes), so a
 * second service on the same dir stops before it could disturb the first.
 *
 * <p>An OS file lock (not the file's existence) is the claim because the kernel drops it when
 * the process dies, kill -9 included: a crashed service never leaves a stale lock behind. The
 * file itself stays; its pid is only information.
 */
public final class DataDirLock implements AutoCloseable {

  /** The lock file's name in the data dir. */
  public static final String FILE_NAME = "workmate.lock";

  /** The data dir is held by another process; {@link #holderPid} is its pid if it wrote one. */
  public static final class InUseException extends Exception {
    private final Path dataDir;
    private final OptionalLong holderPid;

    InUseException(Path dataDir, OptionalLong holderPid) {
      super("the data dir " + dataDir + " is in use by another workmate serve ("
          + (holderPid.isPresent() ? "pid " + holderPid.getAsLong() : "pid unknown")
          + "); stop it first or use --data");
      this.dataDir = dataDir;
      this.holderPid = holderPid;
    }

    public Path dataDir() {
      return dataDir;
    }

    public OptionalLong holderPid() {
      return holderPid;
    }
  }

  private final FileChannel channel;
  private final FileLock lock;

  private DataDirLock(FileChannel channel, FileLock lock) {
    this.channel = channel;
    this.lock = lock;
  }

  /**
   * Takes the lock of {@code dataDir} (creating the dir if needed) without waiting.
   *
   * @throws InUseException when another process (or this one) holds it
   * @throws IOException when the lock file cannot be created or written
   */
  public static DataDirLock acquire(Path dataDir) throws InUseException, IOException {
    Files.createDirectories(dataDir);
    Path file = dataDir.resolve(FILE_NAME);
    // no TRUNCATE_EXISTING: the holder's pid must still be readable by whoever is refused
    FileChannel channel = FileChannel.open(file, StandardOpenOption.CREATE,
        StandardOpenOption.READ, StandardOpenOption.WRITE);
    FileLock lock;
    try {
      lock = channel.tryLock();
    } catch (OverlappingFileLockException e) {
      lock = null; // this JVM holds it already
    } catch (IOException e) {
      channel.close();
      throw e;
    }
    if (lock == null) {
      OptionalLong holder = readPid(channel);
      channel.close();
      throw new InUseException(dataDir, holder);
    }
    try {
      byte[] pid = (ProcessHandle.current().pid() + "\n").getBytes(StandardCharsets.US_ASCII);
      channel.truncate(0);
      channel.write(ByteBuffer.wrap(pid), 0);
      channel.force(false);
    } catch (IOException e) {
      channel.close(); // releases the lock too
      throw e;
    }
    return new DataDirLock(channel, lock);
  }

  private static OptionalLong readPid(FileChannel channel) {
    try {
      ByteBuffer buffer = ByteBuffer.allocate(32);
      channel.read(buffer, 0);
      String text = new String(buffer.array(), 0, buffer.position(), StandardCharsets.US_ASCII)
          .trim();
      return text.matches("\\d{1,18}") ? OptionalLong.of(Long.parseLong(text))
          : OptionalLong.empty();
    } catch (IOException e) {
      return OptionalLong.empty(); // the pid is only for the message
    }
  }

  /** Releases the lock (the JVM's exit does too). */
  @Override
  public void close() throws IOException {
    try {
      lock.release();
    } finally {
      channel.close();
    }
  }
}
