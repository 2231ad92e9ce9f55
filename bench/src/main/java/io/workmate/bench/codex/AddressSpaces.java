package io.workmate.bench.codex;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;

/**
 * Tells whether a process shares its parent's address space. codex spawns its helpers (git, the
 * shell) with {@code posix_spawn}, a {@code CLONE_VM|CLONE_VFORK} child that lives in the
 * parent's memory until its {@code execve} succeeds, which takes a while when it tries every
 * directory on PATH in turn. Until then its {@code smaps_rollup} reports the parent's whole
 * address space again, so summing PSS over the tree counted the app-server twice whenever a
 * sample caught one (issue 14: Workmate's "codex side" looked twice the floor's). {@code kcmp}
 * with {@code KCMP_VM} answers exactly whether two processes share one {@code mm}.
 */
final class AddressSpaces {

  private static final int KCMP_VM = 1;
  /** kcmp's syscall number: x86_64 312, aarch64 (asm-generic) 272. */
  private static final long SYS_KCMP =
      System.getProperty("os.arch").equals("aarch64") ? 272 : 312;

  private interface Syscall extends Library {
    NativeLong syscall(NativeLong number, Object... arguments);
  }

  private static final Syscall LIBC = load();

  private AddressSpaces() {}

  private static Syscall load() {
    try {
      return Native.load("c", Syscall.class);
    } catch (UnsatisfiedLinkError | RuntimeException unavailable) {
      return null;
    }
  }

  /** True when both processes are alive and share one address space. */
  static boolean shared(long pid, long otherPid) {
    if (LIBC == null || pid <= 0 || otherPid <= 0) {
      return false;
    }
    long result = LIBC.syscall(new NativeLong(SYS_KCMP), (int) pid, (int) otherPid, KCMP_VM,
        new NativeLong(0), new NativeLong(0)).longValue();
    return result == 0;
  }
}
