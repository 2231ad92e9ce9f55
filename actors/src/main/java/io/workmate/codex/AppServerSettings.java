package io.workmate.codex;

import io.workmate.support.Backoff;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * How one app-server process is run.
 *
 * @param binary the codex executable (see {@code CodexBinary})
 * @param requestTimeout how long a call may wait for its answer
 * @param initializeTimeout how long a fresh process may take to answer {@code initialize}
 * @param restartBackoff delay between restarts of a dead process
 * @param stableAfter uptime after which the restart backoff starts over
 * @param stopGrace how long a process gets to exit after its stdin closes, before signals
 * @param optOutNotifications notification methods codex should not send (saves CPU)
 * @param agentLimits command limits by Workmate agent id: the pool runs such an agent's threads
 *     on app-servers of its own ({@link #forLimitedAgent})
 * @param commandLimits the limits this process's commands run under (set by
 *     {@link #forLimitedAgent}; its nice level also applies to the process, through {@code nice})
 * @param registration records each process while it lives (the service's process-group registry)
 */
public record AppServerSettings(Path binary, CodexEnvironment environment,
    Duration requestTimeout, Duration initializeTimeout, Backoff restartBackoff,
    Duration stableAfter, Duration stopGrace, List<String> optOutNotifications,
    Map<String, CommandLimits> agentLimits, Optional<CommandLimits> commandLimits,
    ProcessRegistration registration) {

  public AppServerSettings {
    agentLimits = Map.copyOf(agentLimits);
  }

  public AppServerSettings(Path binary, CodexEnvironment environment, Duration requestTimeout,
      Duration initializeTimeout, Backoff restartBackoff, Duration stableAfter,
      Duration stopGrace, List<String> optOutNotifications) {
    this(binary, environment, requestTimeout, initializeTimeout, restartBackoff, stableAfter,
        stopGrace, optOutNotifications, Map.of(), Optional.empty(), ProcessRegistration.NONE);
  }

  /**
   * Notifications Workmate never reads. Each one codex does not send is a JSON line it does not
   * write and we do not parse: on 2 cores that is wall time.
   */
  public static final List<String> DEFAULT_OPT_OUT =
      List.of("account/rateLimits/updated", "remoteControl/status/changed",
          "thread/tokenUsage/updated", "thread/status/changed", "thread/goal/cleared");

  public static AppServerSettings defaults(Path binary, CodexEnvironment environment) {
    return new AppServerSettings(binary, environment, Duration.ofSeconds(60),
        Duration.ofSeconds(30), Backoff.defaults(), Duration.ofSeconds(60), Duration.ofSeconds(2),
        DEFAULT_OPT_OUT);
  }

  public AppServerSettings withRestartBackoff(Backoff backoff) {
    return new AppServerSettings(binary, environment, requestTimeout, initializeTimeout, backoff,
        stableAfter, stopGrace, optOutNotifications, agentLimits, commandLimits,
        registration);
  }

  public AppServerSettings withRequestTimeout(Duration timeout) {
    return new AppServerSettings(binary, environment, timeout, initializeTimeout, restartBackoff,
        stableAfter, stopGrace, optOutNotifications, agentLimits, commandLimits,
        registration);
  }

  public AppServerSettings withAgentLimits(Map<String, CommandLimits> limits) {
    return new AppServerSettings(binary, environment, requestTimeout, initializeTimeout,
        restartBackoff, stableAfter, stopGrace, optOutNotifications, limits, commandLimits,
        registration);
  }

  /** The settings of the app-servers of one limited agent: own HOME, the limits applied. */
  public AppServerSettings forLimitedAgent(String agent, CommandLimits limits) {
    return new AppServerSettings(binary, environment.limited(agent, limits), requestTimeout,
        initializeTimeout, restartBackoff, stableAfter, stopGrace, optOutNotifications,
        Map.of(), Optional.of(limits), registration);
  }

  public AppServerSettings withRegistration(ProcessRegistration processes) {
    return new AppServerSettings(binary, environment, requestTimeout, initializeTimeout,
        restartBackoff, stableAfter, stopGrace, optOutNotifications, agentLimits, commandLimits,
        processes);
  }
}
