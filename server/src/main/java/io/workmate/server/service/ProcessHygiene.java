package io.workmate.server.service;

import io.workmate.codex.ProcessRegistration;
import io.workmate.nativeos.OrphanReaper;
import io.workmate.nativeos.ProcessControl;
import io.workmate.nativeos.ProcessGroupRegistry;
import io.workmate.nativeos.Subreaper;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * What keeps {@code serve} from leaking processes, across crashes too: the service is a child
 * subreaper (orphaned grandchildren come back to it, not to init); every app-server group it
 * starts is recorded in {@code <data-dir>/process-groups}; at start, the groups a previous
 * incarnation left (after a {@code kill -9}) are killed before anything new starts; and
 * {@link #sweepOrphans()} kills the orphans of app-servers that are gone.
 */
public final class ProcessHygiene implements ProcessRegistration {

  public static final String REGISTRY_FILE = "process-groups";

  private final ProcessGroupRegistry registry;
  private final OrphanReaper reaper = new OrphanReaper(APP_SERVER_MARKER);

  private ProcessHygiene(ProcessGroupRegistry registry) {
    this.registry = registry;
  }

  /**
   * Call with the data dir locked, before codex or anything else starts: enables the
   * subreaper, kills the previous incarnation's leftovers, and says so on {@code notices}.
   *
   * @throws java.io.UncheckedIOException when the registry cannot be read
   */
  public static ProcessHygiene atStart(Path dataDir, PrintStream notices) {
    if (!Subreaper.enable()) {
      notices.println("workmate: warning: cannot become a child subreaper (Linux only); "
          + "processes whose parent dies are left to init");
    }
    ProcessGroupRegistry registry = ProcessGroupRegistry.open(dataDir.resolve(REGISTRY_FILE));
    ProcessGroupRegistry.Cleanup cleanup = registry.killLeftovers();
    registry.warnings().forEach(warning -> notices.println("workmate: warning: " + warning));
    if (cleanup.processesKilled() > 0) {
      notices.println("workmate: killed " + cleanup.processesKilled() + " process(es) left by "
          + "the previous run (" + String.join(", ", cleanup.labels()) + ")");
    }
    return new ProcessHygiene(registry);
  }

  @Override
  public void register(long leaderPid, String label, String markerName, String markerValue) {
    registry.register(leaderPid, label, markerName, markerValue);
  }

  @Override
  public void unregister(long leaderPid) {
    registry.unregister(leaderPid);
  }

  /** The groups recorded now: the app-servers that live. */
  public List<ProcessGroupRegistry.Entry> groups() {
    return registry.entries();
  }

  /**
   * Kills what was re-parented to the service and belongs to no living app-server: a process
   * carrying the app-server marker whose value no recorded group has. A background process of
   * a running turn keeps its app-server's marker and is left alone (the turn's end sweeps it).
   * Blocking (reads {@code /proc}): call it on a blocking dispatcher.
   *
   * @return how many orphans it killed
   */
  public int sweepOrphans() {
    List<ProcessGroupRegistry.Entry> groups = registry.entries();
    Set<Long> leaders = groups.stream().map(ProcessGroupRegistry.Entry::pid)
        .collect(Collectors.toSet());
    Set<String> liveMarkers = groups.stream().map(ProcessGroupRegistry.Entry::markerValue)
        .collect(Collectors.toSet());
    return reaper.sweep(pid -> leaders.contains(pid)
        || ProcessControl.environmentVariable(pid, APP_SERVER_MARKER)
            .map(liveMarkers::contains).orElse(false));
  }
}
