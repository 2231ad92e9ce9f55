package io.workmate.bench.codex;

import java.util.Locale;

/**
 * One process of a measured tree in one memory sample: what it runs and its PSS, so a peak can be
 * told apart into the driver, app-servers and short-lived helpers (issue 14 asked which codex
 * processes make Workmate's peak).
 */
record ProcessShare(long pid, long parentPid, String command, long pssBytes) {

  static ProcessShare of(ProcessHandle process) {
    String command = process.info().commandLine()
        .or(() -> process.info().command())
        .orElse("?");
    long parent = process.parent().map(ProcessHandle::pid).orElse(0L);
    // a child still in its parent's address space (spawned, not yet exec'd) owns no pages
    long pss = AddressSpaces.shared(process.pid(), parent) ? 0
        : ProcStats.pssBytes(process.pid());
    return new ProcessShare(process.pid(), parent, shorten(command), pss);
  }

  /** The program's file name and its first arguments: enough to tell app-server from exec. */
  private static String shorten(String commandLine) {
    String[] words = commandLine.split(" ");
    StringBuilder out = new StringBuilder(words[0].substring(words[0].lastIndexOf('/') + 1));
    for (int i = 1; i < words.length && i < 3 && out.length() < 60; i++) {
      out.append(' ').append(words[i].length() > 30 ? words[i].substring(0, 30) + "…" : words[i]);
    }
    return out.toString();
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%s (pid %d of %d) %.0f MB", command, pid, parentPid, pssBytes / 1048576.0);
  }
}
