package io.workmate.server.http;

import static io.workmate.server.http.Endpoint.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.Readiness;
import io.workmate.server.service.ServiceControl;
import java.net.InetAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code /v1/status} and {@code /v1/admin/...}: how the service is, and its graceful stop.
 * {@code POST /v1/admin/drain} needs the API token like every other route; with no token
 * configured it is taken from loopback only (by the connection's address, never a header), so
 * nobody else on the network can stop the service.
 */
final class AdminRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(5);
  private static final int MAX_STALL_SECONDS = 600;

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

  List<Endpoint> endpoints() {
    List<Endpoint> list = new ArrayList<>();
    list.add(endpoint("GET", "/v1/status", "Readiness, mode, draining, queue depth and running "
        + "jobs in one answer (what `workmate status` prints)")
        .responds(200, "{\"ready\", \"reason\"?, \"draining\", \"mode\": {\"requested\", "
            + "\"effective\"}, \"queued\", \"running\", \"queuedByPriority\", "
            + "\"runningByAgent\", \"journal\"}")
        .handle(ids -> status()));
    list.add(endpoint("POST", "/v1/admin/drain", "Stop gracefully, as SIGTERM does: admit no "
        + "job, let running attempts finish up to workmate.service.drain-timeout, requeue the "
        + "rest without spending an attempt, exit 0. Without an API token: loopback only")
        .body(OpenApi.drainSchema())
        .responds(202, "{\"draining\": true, \"drainTimeoutSeconds\"}")
        .responds(400, "malformed body or unknown field")
        .responds(403, "no API token is configured and the request is not from loopback")
        .handle(ids -> extractRequest(request -> entity(Unmarshaller.entityToString(), body ->
            drain(request.getAttribute(AttributeKeys.remoteAddress), body)))));
    if (control.settings().testHooks()) {
      list.add(endpoint("POST", "/v1/admin/test/stall-dispatcher", "Test hook "
          + "(workmate.service.test-hooks = on): block the job dispatcher's thread")
          .body(OpenApi.stallSchema())
          .responds(202, "{\"stalledForSeconds\"}")
          .handle(ids -> entity(Unmarshaller.entityToString(), this::stall)));
    }
    return list;
  }

  private Route status() {
    CompletionStage<JobDispatcher.Stats> stats = Asks.<JobDispatcher.Command,
        JobDispatcher.Stats>ask(system, dispatcher, JobDispatcher.GetStats::new, ASK_TIMEOUT)
        .exceptionally(failure -> null);
    CompletionStage<RuntimeSupervisor.RuntimeState> mode = Asks.<RuntimeSupervisor.Command,
        RuntimeSupervisor.RuntimeState>ask(system, runtime, RuntimeSupervisor.GetState::new,
        ASK_TIMEOUT).exceptionally(failure -> null);
    return onSuccess(stats.thenCombine(mode, (s, m) -> statusJson(s, m)),
        body -> complete(Responses.json(200, body)));
  }

  private ObjectNode statusJson(JobDispatcher.Stats stats, RuntimeSupervisor.RuntimeState mode) {
    JournalHealth.State journalState = journal.get();
    Optional<String> notReady = Readiness.notReadyReason(stats, journalState,
        control.signal().draining());
    ObjectNode body = Responses.JSON.createObjectNode();
    body.put("ready", notReady.isEmpty());
    notReady.ifPresent(reason -> body.put("reason", reason));
    body.put("draining", control.signal().draining());
    control.signal().drainingSince().ifPresent(since -> body.put("drainingSince",
        since.toString()));
    if (mode != null) {
      ObjectNode modeNode = body.putObject("mode");
      modeNode.put("requested", mode.requested().wire());
      modeNode.put("effective", mode.effective().wire());
    }
    if (stats != null) {
      body.put("queued", stats.queued());
      body.put("running", stats.running());
      ObjectNode byPriority = body.putObject("queuedByPriority");
      stats.queuedByPriority().forEach((priority, depth) ->
          byPriority.put(Integer.toString(priority), depth));
      ObjectNode byAgent = body.putObject("runningByAgent");
      stats.runningByAgent().forEach(byAgent::put);
    }
    body.put("journal", journalState.ok() ? "ok" : "unavailable");
    return body;
  }

  private Route drain(Optional<RemoteAddress> from, String body) {
    if (!body.isBlank()) {
      JsonNode request = RequestBodies.parseObject(body);
      RequestBodies.allowOnly(request, Set.of("reason"));
      JsonNode reason = RequestBodies.optional(request, "reason");
      if (reason != null) {
        RequestBodies.text("reason", reason);
      }
    }
    if (!tokenConfigured && !fromLoopback(from)) {
      return complete(Responses.error(403, "forbidden", "no API token is configured "
          + "(WORKMATE_API_TOKEN), so the service takes a drain request from loopback only"));
    }
    control.requestDrain("POST /v1/admin/drain");
    ObjectNode answer = Responses.JSON.createObjectNode();
    answer.put("draining", true);
    answer.put("drainTimeoutSeconds", control.settings().drainTimeout().toSeconds());
    return complete(Responses.json(202, answer));
  }

  /** Package-private for the test: a connection address that is not loopback is refused. */
  static boolean fromLoopback(Optional<RemoteAddress> from) {
    Optional<InetAddress> address = from.flatMap(RemoteAddress::getAddress);
    return address.isPresent() && address.get().isLoopbackAddress();
  }

  private Route stall(String body) {
    JsonNode request = RequestBodies.parseObject(body);
    RequestBodies.allowOnly(request, Set.of("seconds"));
    JsonNode value = RequestBodies.optional(request, "seconds");
    if (value == null) {
      throw new ApiError(400, "missing_field", "\"seconds\" is required");
    }
    int seconds = RequestBodies.integer("seconds", value, 1, MAX_STALL_SECONDS);
    dispatcher.tell(new JobDispatcher.Stall(Duration.ofSeconds(seconds)));
    ObjectNode answer = Responses.JSON.createObjectNode();
    answer.put("stalledForSeconds", seconds);
    return complete(Responses.json(202, answer));
  }
}
