package io.workmate.server.service;

import io.workmate.codex.CodexPool;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.codex.AppServerSettings;
import java.util.concurrent.CompletableFuture;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The guardian of {@code workmate serve}: the codex pool and the runtime supervisor (which owns
 * the gateway connections). The HTTP API talks to them through the refs it hands out.
 */
public final class WorkmateService {

  /** The top-level actors, for the HTTP API. */
  public record Actors(ActorRef<CodexPool.Command> codex,
      ActorRef<RuntimeSupervisor.Command> runtime) {}

  private WorkmateService() {}

  public static Behavior<Void> create(AppServerSettings codexSettings, int processes,
      RuntimeSettings runtimeSettings, CompletableFuture<Actors> started) {
    return Behaviors.setup(context -> {
      ActorRef<CodexPool.Command> codex =
          context.spawn(CodexPool.create(processes, codexSettings), "codex");
      ActorRef<RuntimeSupervisor.Command> runtime =
          context.spawn(RuntimeSupervisor.create(runtimeSettings, codex), "runtime");
      started.complete(new Actors(codex, runtime));
      return Behaviors.empty();
    });
  }
}
