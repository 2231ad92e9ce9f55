package io.workmate.server.service;

import io.workmate.agents.AgentHandle;
import io.workmate.agents.AgentKind;
import io.workmate.agents.AgentProfile;
import io.workmate.agents.CodexAgent;
import io.workmate.agents.EchoAgent;
import io.workmate.codex.CodexPool;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.server.config.WorkmateSettings;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;

/** Turns {@code workmate.jobs} into the job dispatcher and the agents it routes to. */
public final class JobsAssembly {

  /** The local codex agent: a job that names no agent and asks for these runs on it. */
  public static final AgentIds CODEX = new AgentIds("codex", Set.of("code", "local"));
  /** The no-op agent of {@code workmate.jobs.echo-agent = on}. */
  public static final AgentIds ECHO = new AgentIds("echo", Set.of("echo"));
  /** The echo agent costs nothing per invocation; its limit only bounds a runaway client. */
  static final int ECHO_MAX_CONCURRENT = 256;

  public record AgentIds(String id, Set<String> capabilities) {}

  private JobsAssembly() {}

  static ActorRef<JobDispatcher.Command> spawn(ActorContext<?> context,
      ActorRef<CodexPool.Command> codex, WorkmateService.JobsSetup setup) {
    WorkmateSettings.Jobs jobs = setup.jobs();
    List<AgentHandle> agents = new ArrayList<>();
    agents.add(new AgentHandle(new AgentProfile(CODEX.id(), AgentKind.CODEX,
        CODEX.capabilities(), jobs.maxConcurrent(), jobs.rateLimitPerMinute()),
        context.spawn(CodexAgent.create(codex, setup.baseThread()), "agent-" + CODEX.id())));
    if (jobs.echoAgent()) {
      agents.add(new AgentHandle(new AgentProfile(ECHO.id(), AgentKind.ECHO,
          ECHO.capabilities(), ECHO_MAX_CONCURRENT, 0),
          context.spawn(EchoAgent.create(), "agent-" + ECHO.id())));
    }
    return context.spawn(JobDispatcher.create(
        JobDispatcher.Settings.of(jobs.backoff(), agents, setup.metrics())), "jobs");
  }
}
