package io.workmate.nativeos;

import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.ptr.IntByReference;

/**
 * Makes this process a child subreaper (prctl PR_SET_CHILD_SUBREAPER): descendants whose parent
 * dies are re-parented to us rather than to init, so {@link OrphanReaper} can still find and
 * kill what a crashed Codex process left behind. Linux only; elsewhere both methods return
 * false.
 */
public final class Subreaper {

  private static final System.Logger LOG = System.getLogger(Subreaper.class.getName());

  private Subreaper() {}

  /** Turns the subreaper attribute on; false off Linux or when prctl fails. */
  public static boolean enable() {
    return set(true);
  }

  /** Whether this process is a child subreaper now; false off Linux or when prctl fails. */
  public static boolean isEnabled() {
    if (!ProcessControl.isSupported()) {
      return false;
    }
    try {
      IntByReference value = new IntByReference();
      NativeLong unused = new NativeLong(0);
      return LibC.INSTANCE.prctl(
              LibC.PR_GET_CHILD_SUBREAPER, value.getPointer(), unused, unused, unused) == 0
          && value.getValue() != 0;
    } catch (RuntimeException | LinkageError e) {
      return false;
    }
  }

  /** Package-private so tests can give the attribute back; the service never turns it off. */
  static boolean set(boolean subreaper) {
    if (!ProcessControl.isSupported()) {
      return false;
    }
    try {
      NativeLong flag = new NativeLong(subreaper ? 1 : 0);
      NativeLong unused = new NativeLong(0);
      if (LibC.INSTANCE.prctl(LibC.PR_SET_CHILD_SUBREAPER, flag, unused, unused, unused) == 0) {
        return true;
      }
      LOG.log(System.Logger.Level.WARNING, "prctl(PR_SET_CHILD_SUBREAPER) failed: {0}",
          Errno.describe(Native.getLastError()));
      return false;
    } catch (RuntimeException | LinkageError e) {
      LOG.log(System.Logger.Level.WARNING, "prctl(PR_SET_CHILD_SUBREAPER) unavailable", e);
      return false;
    }
  }
}
