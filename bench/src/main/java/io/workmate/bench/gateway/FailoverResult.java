package io.workmate.bench.gateway;

import java.time.Duration;
import java.util.List;

/**
 * The outcome of one kind of failover round.
 *
 * @param failover from injecting the fault to the subscriber seeing {@code ModeChanged(to=offline)}
 * @param recovery from starting the repair to the subscriber seeing the mode back on local
 *     (includes a gateway restart for kills, the reconnect backoff and the hysteresis)
 * @param restartTimes gateway start-up times (kills only)
 * @param exitTimes from SIGKILL until the gateway process was reaped (kills only)
 * @param problems rounds that did not complete, with why
 */
record FailoverResult(String label, int rounds, Latencies failover, Latencies recovery,
    List<Duration> restartTimes, List<Duration> exitTimes, List<String> problems) {

  boolean complete() {
    return problems.isEmpty() && failover.count() == rounds;
  }
}
