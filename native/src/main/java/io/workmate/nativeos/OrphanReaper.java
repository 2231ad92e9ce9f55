package io.workmate.nativeos;

import com.sun.jna.Native;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.function.LongPredicate;
import java.util.stream.Collectors;

/**
 * Kills and reaps processes that were re-parented to this JVM after their own parent died,
 * which happens once {@link Subreaper#enable()} made the JVM a child subreaper.
 *
 * <p>Which children it touches: a child of this JVM that the caller's {@code launchedByUs} does
 * not claim, that is alive and older than the minimum age, and whose environment carries
 * {@code markerVariable=} (any value), is the orphan of a Codex process tree; it is killed with
 * SIGKILL and remembered. Children without the marker are left alone: they belong to someone
 * else.
 *
 * <p>Which zombies it reaps: only the ones it killed itself, by pid and start time. The JDK
 * launches processes and then waits for each of them by pid on its own reaper thread; if we
 * reaped one of those, {@link Process#waitFor()} would see ECHILD and report a wrong exit code.
 * Zombies we cannot attribute therefore stay until the JVM exits.
 *
 * <p>Why a minimum age: between {@link ProcessBuilder#start()} returning and the caller recording
 * the pid, a freshly launched child carries the marker and is claimed by nobody. Orphans are
 * only killed once they are older than that window; a younger one is caught by a later sweep.
 * So is a process caught in the middle of execve, whose environment briefly reads as empty.
 */
public final class OrphanReaper {

  /** Long enough to cover a launcher recording its pid, GC pauses included. */
  public static final Duration DEFAULT_MINIMUM_AGE = Duration.ofSeconds(2);

  private static final System.Logger LOG = System.getLogger(OrphanReaper.class.getName());

  private final String markerVariable;
  private final Duration minimumAge;
  /** pid → start time of the orphans we killed and have not reaped yet. */
  private final Map<Long, Long> killedNotReaped = new HashMap<>();

  public OrphanReaper(String markerVariable) {
    this(markerVariable, DEFAULT_MINIMUM_AGE);
  }

  /** {@code minimumAge}: how old an unclaimed child must be before it counts as an orphan. */
  public OrphanReaper(String markerVariable, Duration minimumAge) {
    this.markerVariable = Objects.requireNonNull(markerVariable, "markerVariable");
    this.minimumAge = Objects.requireNonNull(minimumAge, "minimumAge");
    if (markerVariable.isEmpty() || markerVariable.contains("=")) {
      throw new IllegalArgumentException("not a variable name: " + markerVariable);
    }
  }

  /**
   * Kills the marked orphans among this JVM's children and reaps the zombies of earlier kills.
   * Never blocks on a process: zombies of this sweep's kills are reaped by the next sweep.
   *
   * @param launchedByUs true for the pids this JVM started through {@link ProcessBuilder}
   * @return how many orphans this sweep killed
   */
  public synchronized int sweep(LongPredicate launchedByUs) {
    if (!ProcessControl.isSupported()) {
      return 0;
    }
    List<ProcStat> children = ProcStat.childrenOf(ProcessHandle.current().pid());
    forgetReapedElsewhere(children);
    int killed = 0;
    for (ProcStat child : children) {
      if (launchedByUs.test(child.pid())) {
        continue;
      }
      if (child.isZombie()) {
        if (weKilled(child)) {
          reap(child.pid());
        }
      } else if (!weKilled(child) && isOrphanOfCodexTree(child)
          && ProcessControl.signal(child.pid(), Signal.SIGKILL)) {
        killedNotReaped.put(child.pid(), child.startTime());
        killed++;
        LOG.log(System.Logger.Level.INFO, "killed orphan {0} (re-parented to us, carries {1})",
            Long.toString(child.pid()), markerVariable);
      }
    }
    return killed;
  }

  private boolean isOrphanOfCodexTree(ProcStat child) {
    return ProcessControl.environmentVariable(child.pid(), markerVariable).isPresent()
        && ProcStat.age(child).map(age -> age.compareTo(minimumAge) >= 0).orElse(false);
  }

  private boolean weKilled(ProcStat child) {
    Long startTime = killedNotReaped.get(child.pid());
    return startTime != null && startTime == child.startTime();
  }

  private void reap(long pid) {
    int[] status = new int[1];
    int result = LibC.INSTANCE.waitpid((int) pid, status, LibC.WNOHANG);
    if (result == pid) {
      killedNotReaped.remove(pid);
    } else if (result < 0) {
      int errno = Native.getLastError();
      if (errno == Errno.ECHILD) {
        killedNotReaped.remove(pid);
      } else {
        LOG.log(System.Logger.Level.WARNING, "waitpid({0}) failed: {1}", Long.toString(pid),
            Errno.describe(errno));
      }
    }
  }

  /** A killed pid that is no longer our child was reaped by someone else; its pid may recur. */
  private void forgetReapedElsewhere(List<ProcStat> children) {
    Set<Long> childPids = children.stream().map(ProcStat::pid).collect(Collectors.toSet());
    killedNotReaped.keySet().retainAll(childPids);
  }
}
