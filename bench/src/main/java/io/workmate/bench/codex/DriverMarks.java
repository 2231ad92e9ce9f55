package io.workmate.bench.codex;

/**
 * Lines a driver prints at the edges of the measured window, so the bench can read the process
 * tree's CPU counters right then: {@code BENCH-MARK ready} once the runtime is up and has run one
 * warm-up turn, {@code BENCH-MARK done} when the workload's last turn has ended.
 */
final class DriverMarks {

  static final String PREFIX = "BENCH-MARK ";
  static final String READY = PREFIX + "ready";
  static final String DONE = PREFIX + "done";

  private DriverMarks() {}

  static void ready() {
    System.out.println(READY);
    System.out.flush();
  }

  static void done() {
    System.out.println(DONE);
    System.out.flush();
  }
}
