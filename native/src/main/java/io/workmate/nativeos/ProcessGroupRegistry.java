package io.workmate.nativeos;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URLDecoder;
import java.net.URLEncoder;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * A durable list of the process groups Workmate started, so that after a {@code kill -9} of the
 * service the next incarnation can kill what the previous one left running, before it starts
 * anything new: open, {@link #killLeftovers()}, then launch.
 *
 * <p>Each entry names a group by its leader (children start through {@code setsid}, so the
 * leader's pid is the group id) together with the leader's start time and the boot id. A pid
 * alone is not enough: once the leader died its pid may belong to an unrelated process. Only a
 * leader whose {@code /proc/<pid>/stat} start time equals the recorded one, in the same boot, is
 * signalled. Processes that left the group (their own {@code setsid}) are found by an
 * environment marker {@code NAME=value} the whole tree inherits; the value should be unique
 * per group, since every live process carrying it is killed.
 *
 * <p>File format: UTF-8 text, one group per line, lines starting with {@code #} are comments:
 *
 * <pre>{@code <pid> <start-time> <boot-id> <marker-name> <marker-value> <label>}</pre>
 *
 * Fields are separated by one space. Marker and label are URL-encoded so they hold no spaces;
 * {@code -} stands for none, a start time of -1 for unknown (the leader was gone when it was
 * registered). Every change rewrites the whole file into {@code <file>.tmp}, forces it to disk
 * and renames it over the file, then forces the directory: a crash leaves the old or the new
 * file, never a torn line. Lines that do not parse (hand edits, a foreign file) are skipped with
 * a warning, and dropped by the next rewrite.
 *
 * <p>One registry per file at a time: two writers would overwrite each other's changes. All
 * methods are synchronized; they run rarely.
 */
public final class ProcessGroupRegistry {

  /**
   * One process group.
   *
   * @param pid the leader's pid, which is also the group id
   * @param startTime the leader's start time (clock ticks since boot), -1 when unknown
   * @param bootId the boot the group lived in, empty when unknown
   * @param markerName the environment variable the group's processes inherit, or null
   * @param markerValue its value, or null
   * @param label what the group is, for logs (e.g. {@code codex app-server-0 gen 3})
   */
  public record Entry(long pid, long startTime, String bootId, String markerName,
      String markerValue, String label) {

    boolean hasMarker() {
      return markerName != null && markerValue != null;
    }
  }

  /**
   * What {@link #killLeftovers()} did.
   *
   * @param groupsKilled groups signalled through their verified leader
   * @param processesKilled distinct processes signalled, group members and marker carriers
   * @param labels the labels of the entries something was killed for
   */
  public record Cleanup(int groupsKilled, int processesKilled, List<String> labels) {
    public Cleanup {
      labels = List.copyOf(labels);
    }
  }

  static final long UNKNOWN_START_TIME = -1;
  private static final String NONE = "-";
  private static final String HEADER = "# Workmate process groups: pid start-time boot-id"
      + " marker-name marker-value label (URL-encoded, - for none)";
  private static final Duration DEATH_WAIT = Duration.ofSeconds(5);
  private static final System.Logger LOG =
      System.getLogger(ProcessGroupRegistry.class.getName());

  private final Path file;
  private final Path temporaryFile;
  private final String bootId;
  /** Entries of earlier incarnations, in the file at open and not yet cleaned up. */
  private final List<Entry> leftovers;
  /** Entries this incarnation registered; killLeftovers never touches them. */
  private final List<Entry> registered = new ArrayList<>();
  private final List<String> warnings = new ArrayList<>();

  private ProcessGroupRegistry(Path file, String bootId, List<Entry> leftovers) {
    this.file = file;
    this.temporaryFile = file.resolveSibling(file.getFileName() + ".tmp");
    this.bootId = bootId;
    this.leftovers = leftovers;
  }

  /**
   * Loads the registry at {@code file}, creating its directories; a missing file is empty.
   *
   * @throws UncheckedIOException when the directory cannot be created or the file read
   */
  public static ProcessGroupRegistry open(Path file) {
    Path absolute = file.toAbsolutePath();
    List<String> problems = new ArrayList<>();
    List<Entry> entries = new ArrayList<>();
    try {
      Files.createDirectories(absolute.getParent());
      // decoded leniently: a damaged byte spoils one line, not the whole file
      String content = new String(Files.readAllBytes(absolute), StandardCharsets.UTF_8);
      String[] lines = content.split("\n");
      for (int number = 1; number <= lines.length; number++) {
        String line = lines[number - 1];
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        Optional<Entry> entry = parseLine(line);
        if (entry.isPresent()) {
          if (!entries.contains(entry.get())) {
            entries.add(entry.get());
          }
        } else {
          problems.add(absolute + " line " + number + " is not a process group entry, skipped: "
              + abbreviate(line));
        }
      }
    } catch (NoSuchFileException absent) {
      // first start: nothing was registered yet
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read process group registry " + absolute, e);
    }
    ProcessGroupRegistry registry = new ProcessGroupRegistry(absolute, readBootId(), entries);
    problems.forEach(registry::warn);
    return registry;
  }

  /**
   * Records the group led by {@code leaderPid}, reading the leader's start time now, and writes
   * the file before returning. Register right after start, while the leader surely lives.
   *
   * @param markerName environment variable every process of the group inherits, or null
   * @param markerValue its value, unique to this group; null exactly when markerName is
   * @throws UncheckedIOException when the file cannot be written; nothing is recorded then
   */
  public synchronized Entry register(
      long leaderPid, String label, String markerName, String markerValue) {
    if (leaderPid <= 1) {
      throw new IllegalArgumentException("not a process group leader: " + leaderPid);
    }
    if ((markerName == null) != (markerValue == null)
        || markerName != null && (markerName.isEmpty() || markerName.contains("="))) {
      throw new IllegalArgumentException(
          "marker must be a variable name and a value, or neither: " + markerName);
    }
    Optional<ProcStat> leader = readOnceLeading(leaderPid);
    if (leader.isEmpty() && ProcessControl.isSupported()) {
      warn("process " + leaderPid + " (" + label + ") was gone when registered; after a crash"
          + " only its marker can find its group");
    } else if (leader.isPresent() && leader.get().processGroup() != leaderPid) {
      warn("process " + leaderPid + " (" + label + ") does not lead its process group (group "
          + leader.get().processGroup() + "); after a crash it is killed alone, not its group");
    }
    Entry entry = new Entry(leaderPid,
        leader.map(ProcStat::startTime).orElse(UNKNOWN_START_TIME),
        bootId, markerName, markerValue, label == null ? "" : label);
    List<Entry> before = List.copyOf(registered);
    // a pid registered before has died and been reused: the new group replaces it
    registered.removeIf(existing -> existing.pid() == leaderPid);
    registered.add(entry);
    persistOrRestore(before);
    return entry;
  }

  /**
   * The leader's stat, once it leads its group or after at most 100 ms. {@link
   * ProcessBuilder#start()} returns when {@code setsid} has been exec'd, which may be a moment
   * before it has called setsid(2).
   */
  private static Optional<ProcStat> readOnceLeading(long pid) {
    long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(100);
    Optional<ProcStat> process = ProcStat.read(pid);
    try {
      while (process.isPresent() && process.get().processGroup() != pid
          && !process.get().isZombie() && System.nanoTime() < deadline) {
        Thread.sleep(1);
        process = ProcStat.read(pid);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    return process;
  }

  /** Forgets the group led by {@code leaderPid} once it has ended; unknown pids are ignored. */
  public synchronized void unregister(long leaderPid) {
    List<Entry> before = List.copyOf(registered);
    // an entry of this incarnation first: a leftover with the same pid is an older group
    if (registered.removeIf(entry -> entry.pid() == leaderPid)) {
      persistOrRestore(before);
    } else if (leftovers.removeIf(entry -> entry.pid() == leaderPid)) {
      persist();
    }
  }

  /** Leftovers of earlier incarnations not yet cleaned up, then this incarnation's groups. */
  public synchronized List<Entry> entries() {
    List<Entry> all = new ArrayList<>(leftovers);
    all.addAll(registered);
    return List.copyOf(all);
  }

  /** Lines skipped at open and processes that could not be verified or killed. */
  public synchronized List<String> warnings() {
    return List.copyOf(warnings);
  }

  /**
   * Kills what earlier incarnations left: for every entry that was in the file at open, SIGKILL
   * the group if its leader is still the recorded process (same boot, same start time), and
   * every live process carrying the entry's marker; then waits up to 5 s for them to die and
   * drops the entries. Entries from an earlier boot are dropped without signalling anything.
   * An entry whose processes outlive the wait stays in the file for the next attempt.
   */
  public synchronized Cleanup killLeftovers() {
    if (leftovers.isEmpty()) {
      return new Cleanup(0, 0, List.of());
    }
    if (!ProcessControl.isSupported()) {
      warn("cannot verify or kill leftover process groups off Linux; dropping "
          + leftovers.size() + " entries");
      leftovers.clear();
      persist();
      return new Cleanup(0, 0, List.of());
    }
    List<ProcStat> processesBefore = ProcStat.all();
    Map<Entry, Map<Long, Long>> killedByEntry = new LinkedHashMap<>();
    Map<Long, Long> killed = new HashMap<>();
    int groupsKilled = 0;
    for (Entry entry : leftovers) {
      Map<Long, Long> victims = new HashMap<>();
      killedByEntry.put(entry, victims);
      if (!bootId.isEmpty() && !entry.bootId().isEmpty() && !bootId.equals(entry.bootId())) {
        LOG.log(System.Logger.Level.INFO, "process group {0} ({1}) is from an earlier boot;"
            + " dropped", Long.toString(entry.pid()), entry.label());
        continue;
      }
      if (killVerifiedLeader(entry, processesBefore, victims)) {
        groupsKilled++;
      }
      killMarkerCarriers(entry, victims);
      victims.keySet().removeAll(killed.keySet());
      killed.putAll(victims);
    }
    awaitDeath(killed);

    List<String> labels = new ArrayList<>();
    for (Map.Entry<Entry, Map<Long, Long>> handled : killedByEntry.entrySet()) {
      Entry entry = handled.getKey();
      Map<Long, Long> victims = handled.getValue();
      List<Long> survivors = victims.entrySet().stream()
          .filter(victim -> isAlive(victim.getKey(), victim.getValue()))
          .map(Map.Entry::getKey).toList();
      if (!victims.isEmpty()) {
        labels.add(entry.label());
      }
      if (survivors.isEmpty()) {
        leftovers.remove(entry);
      } else {
        warn("processes " + survivors + " of leftover group " + entry.pid() + " ("
            + entry.label() + ") survived SIGKILL for " + DEATH_WAIT.toSeconds()
            + " s; the entry stays for the next attempt");
      }
    }
    persist();
    Cleanup cleanup = new Cleanup(groupsKilled, killed.size(), labels);
    if (cleanup.processesKilled() > 0) {
      LOG.log(System.Logger.Level.WARNING, "killed {0} processes in {1} groups left by an"
          + " earlier incarnation: {2}", cleanup.processesKilled(), groupsKilled, labels);
    }
    return cleanup;
  }

  /**
   * SIGKILLs the entry's group if its leader is the recorded process; a leader that turned
   * out not to lead its group is killed alone. Returns whether a group with live members was
   * signalled.
   */
  private boolean killVerifiedLeader(
      Entry entry, List<ProcStat> processesBefore, Map<Long, Long> victims) {
    if (bootId.isEmpty() || entry.startTime() == UNKNOWN_START_TIME) {
      return false;
    }
    Optional<ProcStat> leader = ProcStat.read(entry.pid());
    if (leader.isEmpty()) {
      return false;
    }
    if (leader.get().startTime() != entry.startTime()) {
      LOG.log(System.Logger.Level.INFO, "pid {0} ({1}) now belongs to another process;"
          + " not signalled", Long.toString(entry.pid()), entry.label());
      return false;
    }
    try {
      if (leader.get().processGroup() != entry.pid()) {
        warn("leftover " + entry.pid() + " (" + entry.label() + ") does not lead its group;"
            + " killing it alone");
        if (!leader.get().isZombie() && ProcessControl.signal(entry.pid(), Signal.SIGKILL)) {
          victims.put(entry.pid(), entry.startTime());
        }
        return false;
      }
      if (!ProcessControl.signalGroup(entry.pid(), Signal.SIGKILL)) {
        return false;
      }
    } catch (IllegalStateException e) {
      warn("cannot kill leftover group " + entry.pid() + " (" + entry.label() + "): "
          + e.getMessage());
      return false;
    }
    boolean anyAlive = false;
    for (ProcStat process : processesBefore) {
      if (process.processGroup() == entry.pid() && !process.isZombie()) {
        victims.put(process.pid(), process.startTime());
        anyAlive = true;
      }
    }
    return anyAlive;
  }

  /** SIGKILLs every live process carrying the entry's marker, wherever its group or session. */
  private void killMarkerCarriers(Entry entry, Map<Long, Long> victims) {
    if (!entry.hasMarker()) {
      return;
    }
    long self = ProcessHandle.current().pid();
    List<Long> carriers;
    try {
      carriers = ProcessControl.findByEnvironment(entry.markerName(), entry.markerValue());
    } catch (IllegalStateException e) {
      warn("cannot search for " + entry.markerName() + " carriers: " + e.getMessage());
      return;
    }
    for (long pid : carriers) {
      Optional<ProcStat> carrier = ProcStat.read(pid);
      if (pid == self || victims.containsKey(pid) || carrier.isEmpty()) {
        continue;
      }
      try {
        if (ProcessControl.signal(pid, Signal.SIGKILL)) {
          victims.put(pid, carrier.get().startTime());
        }
      } catch (IllegalStateException e) {
        warn("cannot kill " + pid + " (" + entry.label() + "): " + e.getMessage());
      }
    }
  }

  /**
   * Waits until every killed process is gone or a zombie. They are not our children, so there
   * is nothing to wait on but /proc; SIGKILL takes effect within milliseconds, so the loop
   * checks every 10 ms and normally ends on its first rounds.
   */
  private static void awaitDeath(Map<Long, Long> killed) {
    long deadline = System.nanoTime() + DEATH_WAIT.toNanos();
    try {
      while (killed.entrySet().stream().anyMatch(p -> isAlive(p.getKey(), p.getValue()))
          && System.nanoTime() < deadline) {
        Thread.sleep(10);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** Alive means: that very process (same start time) exists and is not a zombie. */
  private static boolean isAlive(long pid, long startTime) {
    return ProcStat.read(pid)
        .filter(process -> process.startTime() == startTime && !process.isZombie())
        .isPresent();
  }

  private void persistOrRestore(List<Entry> registeredBefore) {
    try {
      persist();
    } catch (UncheckedIOException e) {
      registered.clear();
      registered.addAll(registeredBefore);
      throw e;
    }
  }

  /** Rewrites the file atomically: temp file, fsync, rename over, fsync the directory. */
  private void persist() {
    StringBuilder content = new StringBuilder(HEADER).append('\n');
    for (Entry entry : entries()) {
      content.append(formatLine(entry)).append('\n');
    }
    try {
      try (FileChannel channel = FileChannel.open(temporaryFile, StandardOpenOption.CREATE,
          StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
        ByteBuffer bytes = ByteBuffer.wrap(content.toString().getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
          channel.write(bytes);
        }
        channel.force(true);
      }
      Files.move(temporaryFile, file, StandardCopyOption.ATOMIC_MOVE,
          StandardCopyOption.REPLACE_EXISTING);
      forceDirectory(file.getParent());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write process group registry " + file, e);
    }
  }

  /** Makes the rename itself durable; some file systems cannot open a directory, which is ok. */
  private static void forceDirectory(Path directory) {
    try (FileChannel channel = FileChannel.open(directory, StandardOpenOption.READ)) {
      channel.force(true);
    } catch (IOException e) {
      // the rename is still atomic, only perhaps not yet on disk
    }
  }

  static String formatLine(Entry entry) {
    return entry.pid() + " " + entry.startTime() + " " + encode(emptyToNull(entry.bootId()))
        + " " + encode(entry.markerName()) + " " + encode(entry.markerValue()) + " "
        + encode(entry.label());
  }

  static Optional<Entry> parseLine(String line) {
    String[] fields = line.split(" ", -1);
    if (fields.length != 6) {
      return Optional.empty();
    }
    try {
      long pid = Long.parseLong(fields[0]);
      long startTime = Long.parseLong(fields[1]);
      String bootId = decode(fields[2]);
      String markerName = decode(fields[3]);
      String markerValue = decode(fields[4]);
      String label = decode(fields[5]);
      if (pid <= 1 || startTime < UNKNOWN_START_TIME || (markerName == null) != (markerValue
          == null)) {
        return Optional.empty();
      }
      return Optional.of(new Entry(pid, startTime, Objects.requireNonNullElse(bootId, ""),
          markerName, markerValue, Objects.requireNonNullElse(label, "")));
    } catch (IllegalArgumentException e) {
      // NumberFormatException or a broken %-escape
      return Optional.empty();
    }
  }

  private static String encode(String value) {
    if (value == null) {
      return NONE;
    }
    String encoded = URLEncoder.encode(value, StandardCharsets.UTF_8);
    return encoded.equals(NONE) ? "%2D" : encoded;
  }

  private static String decode(String field) {
    return field.equals(NONE) ? null : URLDecoder.decode(field, StandardCharsets.UTF_8);
  }

  private static String emptyToNull(String value) {
    return value == null || value.isEmpty() ? null : value;
  }

  private static String readBootId() {
    try {
      return Files.readString(Path.of("/proc/sys/kernel/random/boot_id")).trim();
    } catch (IOException | RuntimeException e) {
      return "";
    }
  }

  private static String abbreviate(String line) {
    return line.length() <= 80 ? line : line.substring(0, 80) + "...";
  }

  private void warn(String warning) {
    warnings.add(warning);
    LOG.log(System.Logger.Level.WARNING, warning);
  }
}
