package io.workmate.server.http;

import com.fasterxml.jackson.annotation.JsonInclude.Include;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.jobs.dispatch.JobStats;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.service.ClusterMembership;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.Readiness;
import io.workmate.server.service.ServiceControl;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code /v1/status} and {@code /v1/admin/...}: how the service is, and its graceful stop.
 * {@code POST /v1/admin/drain} needs the API token like every other route; with no token
 * configured it is taken from loopback only (by the connection's address, never a header), so
 * nobody else on the network can stop the service.
 */
final class AdminRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);

  private final ActorSystem<?> system;
  private final ServiceControl control;
  private final boolean tokenConfigured;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final ActorRef<RuntimeSupervisor.Command> runtime;
  private final Supplier<JournalHealth.State> journal;

  AdminRoutes(ActorSystem<?> system, ServiceControl control, boolean tokenConfigured,
      ActorRef<JobDispatcher.Command> dispatcher, ActorRef<RuntimeSupervisor.Command> runtime,
      Supplier<JournalHealth.State> journal) {
    this.system = system;
    this.control = control;
    this.tokenConfigured = tokenConfigured;
    this.dispatcher = dispatcher;
    this.runtime = runtime;
    this.journal = journal;
  }

  List<Operation> operations() {
    List<Operation> list = new ArrayList<>();
    list.add(Operation.get("/v1/status", "Readiness, mode, draining, queue depth and running "
        + "jobs in one answer (what `workmate status` prints)")
        .responds(200, "{\"ready\", \"reason\"?, \"draining\", \"mode\": {\"requested\", "
            + "\"effective\"}, \"queued\", \"running\", \"queuedByPriority\", "
            + "\"runningByAgent\", \"journal\"}", Status.class)
        .route(this::status));
    list.add(Operation.post("/v1/admin/drain", "Stop gracefully, as SIGTERM does: admit no "
        + "job, let running attempts finish up to workmate.service.drain-timeout, requeue the "
        + "rest without spending an attempt, exit 0. Without an API token: loopback only")
        .responds(202, "{\"draining\": true, \"drainTimeoutSeconds\"}", Draining.class)
        .responds(403, "no API token is configured and the request is not from loopback")
        // the body is only checked: its reason is for the caller's own log
        .optionalBody(RequestBodies.Drain.class, body -> extractRequest(request ->
            drain(request.getAttribute(AttributeKeys.remoteAddress)))));
    if (control.settings().testHooks()) {
      list.add(Operation.post("/v1/admin/test/stall-dispatcher", "Test hook "
          + "(workmate.service.test-hooks = on): block the job dispatcher's thread")
          .responds(202, "{\"stalledForSeconds\"}", Stalled.class)
          .body(RequestBodies.Stall.class, this::stall));
    }
    return list;
  }

  private Route status() {
    CompletionStage<JobStats> stats = Asks.<JobDispatcher.Command,
        JobStats>ask(system, dispatcher, JobDispatcher.GetStats::new, ASK_TIMEOUT)
        .exceptionally(failure -> null);
    CompletionStage<RuntimeSupervisor.RuntimeState> mode = Asks.<RuntimeSupervisor.Command,
        RuntimeSupervisor.RuntimeState>ask(system, runtime, RuntimeSupervisor.GetState::new,
        ASK_TIMEOUT).exceptionally(failure -> null);
    return onSuccess(stats.thenCombine(mode, (s, m) -> statusJson(s, m)),
        body -> Responses.json(200, body));
  }

  /** {@code GET /v1/status}; the queue's figures only when the dispatcher answered. */
  record Status(boolean ready, @JsonInclude(Include.NON_NULL) String reason, boolean draining,
      @JsonInclude(Include.NON_NULL) String drainingSince,
      @JsonInclude(Include.NON_NULL) Modes mode, @JsonInclude(Include.NON_NULL) Integer queued,
      @JsonInclude(Include.NON_NULL) Integer running,
      @JsonInclude(Include.NON_NULL) Map<String, Integer> queuedByPriority,
      @JsonInclude(Include.NON_NULL) Map<String, Integer> runningByAgent, String journal) {

    /** The requested and the effective mode. */
    record Modes(String requested, String effective) {}
  }

  private Status statusJson(JobStats stats, RuntimeSupervisor.RuntimeState mode) {
    JournalHealth.State journalState = journal.get();
    Optional<String> notReady = Readiness.notReadyReason(stats, journalState,
        control.signal().draining(), ClusterMembership.notUpReason(system));
    Map<String, Integer> byPriority = null;
    if (stats != null) {
      byPriority = new LinkedHashMap<>();
      for (Map.Entry<Integer, Integer> depth : stats.queuedByPriority().entrySet()) {
        byPriority.put(Integer.toString(depth.getKey()), depth.getValue());
      }
    }
    return new Status(notReady.isEmpty(), notReady.orElse(null), control.signal().draining(),
        control.signal().drainingSince().map(Object::toString).orElse(null),
        mode == null ? null : new Status.Modes(mode.requested().wire(),
            mode.effective().wire()),
        stats == null ? null : stats.queued(), stats == null ? null : stats.running(),
        byPriority, stats == null ? null : new LinkedHashMap<>(stats.runningByAgent()),
        journalState.ok() ? "ok" : "unavailable");
  }

  private Route drain(Optional<RemoteAddress> from) {
    if (!tokenConfigured && !fromLoopback(from)) {
      return complete(Responses.error(403, "forbidden", "no API token is configured "
          + "(WORKMATE_API_TOKEN), so the service takes a drain request from loopback only"));
    }
    control.requestDrain("POST /v1/admin/drain");
    return Responses.json(202, new Draining(true,
        control.settings().drainTimeout().toSeconds()));
  }

  /** The answer to a drain request. */
  record Draining(boolean draining, long drainTimeoutSeconds) {}

  /** The answer to a stall request. */
  record Stalled(int stalledForSeconds) {}

  /** Package-private for the test: a connection address that is not loopback is refused. */
  static boolean fromLoopback(Optional<RemoteAddress> from) {
    Optional<InetAddress> address = from.flatMap(RemoteAddress::getAddress);
    return address.isPresent() && address.get().isLoopbackAddress();
  }

  private Route stall(RequestBodies.Stall request) {
    dispatcher.tell(new JobDispatcher.Stall(Duration.ofSeconds(request.seconds())));
    return Responses.json(202, new Stalled(request.seconds()));
  }
}
