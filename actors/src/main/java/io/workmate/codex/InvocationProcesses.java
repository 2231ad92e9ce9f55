package io.workmate.codex;

import io.workmate.nativeos.ProcessControl;
import java.util.UUID;

/**
 * The processes one invocation's commands started. App-servers are shared by several jobs, so
 * their process group cannot be killed for one job; instead every command of an invocation
 * carries {@link #MARKER_VARIABLE} (set per thread through {@link ThreadSettings#configOverrides})
 * and is found by it in {@code /proc}, also after it left the group with {@code setsid}.
 * Blocking: call it off the actor threads.
 */
public final class InvocationProcesses {

  /** Environment variable that marks every process one invocation's commands started. */
  public static final String MARKER_VARIABLE = "WORKMATE_INVOCATION";

  /** A process forking while it is killed can leave a child the previous scan missed. */
  private static final int MAX_ROUNDS = 5;

  private InvocationProcesses() {}

  /** A marker value of its own: the invocation id (readable in /proc) plus a random part. */
  public static String newMarker(String invocationId) {
    return invocationId + "~" + UUID.randomUUID().toString().substring(0, 8);
  }

  /**
   * SIGKILLs every process carrying {@code marker}, scanning again until a scan finds none.
   *
   * @return how many processes were killed (0 where /proc is not available)
   */
  public static int killAll(String marker) {
    if (!ProcessControl.isSupported()) {
      return 0;
    }
    int total = 0;
    for (int round = 0; round < MAX_ROUNDS; round++) {
      int killed = ProcessControl.killByEnvironment(MARKER_VARIABLE, marker);
      total += killed;
      if (killed == 0) {
        break;
      }
    }
    return total;
  }
}
