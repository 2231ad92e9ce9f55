package io.workmate.server.service;

import io.workmate.server.config.WorkmateSettings;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The handle on the service's stop that the signal handlers and the HTTP API share. The drain
 * actor exists only once the API is bound, so a stop request that comes earlier waits for it.
 *
 * @param signal where the drain is
 * @param drain the drain actor, once spawned
 * @param settings {@code workmate.service}
 */
public record ServiceControl(DrainSignal signal,
    CompletionStage<ActorRef<ServiceDrain.Command>> drain, WorkmateSettings.Service settings) {

  /** Starts the drain (or, when it runs already, cuts it short); {@code source} names who asked. */
  public void requestDrain(String source) {
    drain.thenAccept(ref -> ref.tell(new ServiceDrain.Begin(source)));
  }
}
