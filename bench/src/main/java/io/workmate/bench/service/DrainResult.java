package io.workmate.bench.service;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * One drain run: SIGTERM at {@code signalAt}, the process gone {@code drain} later with
 * {@code exitCode}. The longest remaining turn is measured, not predicted: the latest
 * {@code succeeded} of the jobs minus the signal, from the journal after a restart.
 */
record DrainResult(int run, Instant signalAt, Duration drain, int exitCode,
    List<DrainedJob> jobs) {

  /** The goal: drain ≤ 1.1 × the longest remaining turn + 1 s. */
  static final double GOAL_FACTOR = 1.1;
  static final Duration GOAL_SLACK = Duration.ofSeconds(1);

  /** From the signal to the last job's {@code succeeded}. */
  Duration longestRemaining() {
    return jobs.stream().filter(job -> job.succeededAt() != null)
        .map(job -> Duration.between(signalAt, job.succeededAt()))
        .max(Duration::compareTo).orElse(Duration.ZERO);
  }

  /**
   * The prediction from the script alone, a lower bound: the thread's attachment plus the
   * stream's length, minus the signal. It leaves out codex's and Workmate's share of a turn.
   */
  Duration scriptedRemaining() {
    return jobs.stream().filter(job -> job.threadAttachedAt() != null)
        .map(job -> Duration.between(signalAt,
            job.threadAttachedAt().plus(job.turn().streamLength())))
        .max(Duration::compareTo).orElse(Duration.ZERO);
  }

  /** What the stop cost beyond the turns: from the last job's end to the process's end. */
  Duration afterLastTurn() {
    return drain.minus(longestRemaining());
  }

  double ratio() {
    return seconds(drain) / seconds(longestRemaining());
  }

  Duration goal() {
    return Duration.ofNanos(Math.round(longestRemaining().toNanos() * GOAL_FACTOR))
        .plus(GOAL_SLACK);
  }

  boolean meetsGoal() {
    return drain.compareTo(goal()) <= 0;
  }

  /** Why this run's figure cannot be trusted; empty when the drain did what it promises. */
  List<String> problems() {
    List<String> problems = new ArrayList<>();
    if (exitCode != 0) {
      problems.add("run " + run + ": exit code " + exitCode + ", not 0");
    }
    jobs.forEach(job -> job.problems().forEach(p -> problems.add("run " + run + ": " + p)));
    return problems;
  }

  long succeededOnce() {
    return jobs.stream().filter(job -> job.problems().isEmpty()).count();
  }

  static double seconds(Duration duration) {
    return duration.toNanos() / 1e9;
  }
}
