package io.workmate.codex;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.codex.CodexMethods;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;
import io.workmate.protocol.codex.ThreadStart;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.protocol.jsonrpc.MalformedMessageException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.pekko.actor.Cancellable;
import org.apache.pekko.actor.typed.ActorRef;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the lines codex writes go, decided on the stdout pump thread as each line is read:
 * an answer to the call awaiting it, a notification or an approval request to the thread
 * attached under its {@code threadId}. Routing through {@link CodexAppServer} cost a second
 * thread wake-up per line, most of Workmate's own CPU per turn beside the floor's driver.
 *
 * <p>The only state shared between an actor and another thread in {@code codex/}, on purpose:
 * {@link CodexAppServer} registers calls and attaches threads; the pump of its current process
 * generation completes and routes. Both maps are concurrent. A call is completed by whoever
 * removes it first (its answer, its timeout or the process's death), so exactly once. The pump
 * delivers in the order codex wrote: a thread/start answer attaches its thread before the next
 * line is routed.
 */
final class AppServerRoutes {

  private static final Logger log = LoggerFactory.getLogger(AppServerRoutes.class);

  /** A call written to codex; {@code timeout} is cancelled by whoever completes it. */
  record PendingCall(String method, Optional<ActorRef<AppServerEvent>> attach,
      ActorRef<CallResult> replyTo, Cancellable timeout) {}

  private final String name;
  private final JsonRpcCodec codec;
  private final Map<Long, PendingCall> pending = new ConcurrentHashMap<>();
  private final Map<String, ActorRef<AppServerEvent>> threads = new ConcurrentHashMap<>();
  /** Lines of an older process generation are dropped: its calls already failed. */
  private volatile long generation;

  AppServerRoutes(String name, JsonRpcCodec codec) {
    this.name = name;
    this.codec = codec;
  }

  void newGeneration(long current) {
    generation = current;
  }

  boolean isCurrent(long lineGeneration) {
    return lineGeneration == generation;
  }

  // --- what the actor registers -------------------------------------------------------------

  /** Registers a call before it is written, so that its answer cannot come first. */
  void expect(long id, PendingCall call) {
    pending.put(id, call);
  }

  /** Takes the call away from its answer; empty if it was completed already. */
  Optional<PendingCall> takeCall(long id) {
    return Optional.ofNullable(pending.remove(id));
  }

  /** Takes every call still waiting (the process died or stopped). */
  List<PendingCall> takeAllCalls() {
    List<PendingCall> taken = new ArrayList<>();
    for (Long id : List.copyOf(pending.keySet())) {
      takeCall(id).ifPresent(taken::add);
    }
    return taken;
  }

  int pendingCalls() {
    return pending.size();
  }

  void attach(String threadId, ActorRef<AppServerEvent> listener) {
    threads.put(threadId, listener);
  }

  void detach(String threadId) {
    threads.remove(threadId);
  }

  List<ActorRef<AppServerEvent>> attachedThreads() {
    return List.copyOf(threads.values());
  }

  Optional<ActorRef<AppServerEvent>> thread(String threadId) {
    return threadId == null ? Optional.empty() : Optional.ofNullable(threads.get(threadId));
  }

  // --- what the pump routes -----------------------------------------------------------------

  /** A response or error response read from the process of {@code lineGeneration}. */
  void answer(long lineGeneration, JsonRpcMessage message) {
    if (!isCurrent(lineGeneration)) {
      return;
    }
    if (message instanceof JsonRpcMessage.Response response) {
      complete(response.id(), new CallResult.Success(response.result()));
    } else if (message instanceof JsonRpcMessage.ErrorResponse error) {
      if (error.id() == null || error.id().isNull()) {
        log.warn("{}: codex reported an error for no request: {}", name, error.error());
        return;
      }
      complete(error.id(), new CallResult.Failure(CallResult.Kind.REMOTE_ERROR,
          error.error().message(), error.error()));
    }
  }

  void notification(long lineGeneration, CodexNotification notification) {
    if (!isCurrent(lineGeneration)) {
      return;
    }
    Optional<ActorRef<AppServerEvent>> thread = thread(notification.threadId());
    if (thread.isPresent()) {
      thread.get().tell(new AppServerEvent.Notification(notification));
    } else if (CodexMethods.ERROR.equals(notification.method())
        || CodexMethods.WARNING.equals(notification.method())) {
      log.warn("{}: codex {}: {}", name, notification.method(), notification.params());
    } else {
      log.debug("{}: notification {} for no attached thread", name, notification.method());
    }
  }

  /**
   * Hands a supported approval request to its attached thread; false when it must be answered
   * with an error instead, which the actor does (it writes to codex).
   */
  boolean request(long lineGeneration, CodexRequest request) {
    if (!isCurrent(lineGeneration)) {
      return true; // dropped: that process is gone
    }
    Optional<ActorRef<AppServerEvent>> thread = thread(request.threadId());
    if (!request.supported() || thread.isEmpty()) {
      return false;
    }
    thread.get().tell(new AppServerEvent.ServerRequest(request));
    return true;
  }

  private void complete(JsonNode id, CallResult result) {
    Optional<PendingCall> taken = id.canConvertToLong() ? takeCall(id.asLong()) : Optional.empty();
    if (taken.isEmpty()) {
      log.debug("{}: answer for unknown or timed-out request {}", name, id);
      return;
    }
    PendingCall call = taken.get();
    call.timeout().cancel();
    if (result instanceof CallResult.Success success && call.attach().isPresent()) {
      startedThreadId(success).ifPresent(threadId -> attach(threadId, call.attach().get()));
    }
    call.replyTo().tell(result);
  }

  /** The thread a thread/start or thread/resume answer names (both answer with the thread). */
  private Optional<String> startedThreadId(CallResult.Success success) {
    try {
      ThreadStart.Result started = codec.fromTree(success.result(), ThreadStart.Result.class);
      return Optional.ofNullable(started.thread()).map(thread -> thread.id())
          .filter(id -> !id.isEmpty());
    } catch (MalformedMessageException e) {
      return Optional.empty();
    }
  }
}
