package io.workmate.nativeos;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.NativeLong;
import com.sun.jna.Pointer;

/**
 * The few libc calls the JDK does not offer: signals to process groups, AF_UNIX datagrams,
 * prctl and waitpid. Every call returns -1 and leaves errno in {@link Native#getLastError()} on
 * failure. size_t/ssize_t/nfds_t are {@link NativeLong} so the mapping stays right on 32-bit too.
 */
interface LibC extends Library {

  LibC INSTANCE = Native.load("c", LibC.class);

  int AF_UNIX = 1;
  int SOCK_DGRAM = 2;
  int SOCK_CLOEXEC = 0x80000;
  int MSG_DONTWAIT = 0x40;
  int MSG_NOSIGNAL = 0x4000;
  short POLLIN = 0x1;
  int SOL_SOCKET = 1;
  /** The asm-generic value (x86_64, aarch64); struct timeval is two longs there. */
  int SO_SNDTIMEO = 21;
  int WNOHANG = 1;
  int PR_SET_CHILD_SUBREAPER = 36;
  int PR_GET_CHILD_SUBREAPER = 37;
  int SC_CLK_TCK = 2;

  int kill(int pid, int signal);

  int getpgid(int pid);

  int getpid();

  int socket(int domain, int type, int protocol);

  int bind(int fd, byte[] address, int addressLength);

  int setsockopt(int fd, int level, int option, Pointer value, int length);

  NativeLong sendto(
      int fd, byte[] buffer, NativeLong length, int flags, byte[] address, int addressLength);

  NativeLong recv(int fd, byte[] buffer, NativeLong length, int flags);

  /** {@code fds} points at {@code struct pollfd { int fd; short events; short revents; }[]}. */
  int poll(Pointer fds, NativeLong count, int timeoutMillis);

  int close(int fd);

  /** prctl is variadic in glibc; JNA passes the trailing arguments with the varargs ABI. */
  int prctl(int option, Object... arguments);

  int waitpid(int pid, int[] status, int options);

  NativeLong sysconf(int name);
}
