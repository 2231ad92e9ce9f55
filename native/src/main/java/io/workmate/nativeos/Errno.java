package io.workmate.nativeos;

import java.io.IOException;
import java.util.Map;

/** Linux errno values this module meets, named so that warnings say ENOENT rather than 2. */
final class Errno {

  static final int EPERM = 1;
  static final int ENOENT = 2;
  static final int ESRCH = 3;
  static final int EINTR = 4;
  static final int ECHILD = 10;
  static final int EAGAIN = 11;
  static final int ENOMEM = 12;
  static final int EACCES = 13;
  static final int ENFILE = 23;
  static final int EMFILE = 24;
  static final int ENOBUFS = 105;

  private static final Map<Integer, String> NAMES = Map.ofEntries(
      Map.entry(EPERM, "EPERM (operation not permitted)"),
      Map.entry(ENOENT, "ENOENT (no such file or directory)"),
      Map.entry(ESRCH, "ESRCH (no such process)"),
      Map.entry(EINTR, "EINTR (interrupted)"),
      Map.entry(ECHILD, "ECHILD (no such child)"),
      Map.entry(EAGAIN, "EAGAIN (try again: e.g. the receiver's queue stayed full)"),
      Map.entry(ENOMEM, "ENOMEM (out of memory)"),
      Map.entry(EACCES, "EACCES (permission denied)"),
      Map.entry(20, "ENOTDIR (not a directory)"),
      Map.entry(22, "EINVAL (invalid argument)"),
      Map.entry(ENFILE, "ENFILE (too many open files in the system)"),
      Map.entry(EMFILE, "EMFILE (too many open files)"),
      Map.entry(36, "ENAMETOOLONG (name too long)"),
      Map.entry(40, "ELOOP (too many symbolic links)"),
      Map.entry(88, "ENOTSOCK (not a socket)"),
      Map.entry(91, "EPROTOTYPE (wrong socket type)"),
      Map.entry(97, "EAFNOSUPPORT (address family not supported)"),
      Map.entry(98, "EADDRINUSE (address in use)"),
      Map.entry(ENOBUFS, "ENOBUFS (no buffer space)"),
      Map.entry(111, "ECONNREFUSED (connection refused: nobody listens there)"));

  private Errno() {}

  static String describe(int errno) {
    return NAMES.getOrDefault(errno, "errno " + errno);
  }

  /** The condition may pass by itself, so a later attempt can succeed. */
  static boolean isTransient(int errno) {
    return errno == EAGAIN || errno == EINTR || errno == ENOBUFS || errno == ENOMEM
        || errno == EMFILE || errno == ENFILE;
  }

  /** A failed libc call: which call and which errno. */
  static final class ErrnoException extends IOException {
    private static final long serialVersionUID = 1L;
    private final int errno;

    ErrnoException(String call, int errno) {
      super(call + " failed: " + describe(errno));
      this.errno = errno;
    }

    int errno() {
      return errno;
    }
  }
}
