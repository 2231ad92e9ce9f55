package io.workmate.nativeos;

import com.sun.jna.Library;
import com.sun.jna.Native;

/** The few libc calls the JDK does not offer: signals to process groups. */
interface LibC extends Library {

  LibC INSTANCE = Native.load("c", LibC.class);

  int kill(int pid, int signal);

  int getpgid(int pid);

  int getpid();
}
