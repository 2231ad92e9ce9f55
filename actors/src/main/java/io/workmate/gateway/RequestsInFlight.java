package io.workmate.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.protocol.openclaw.AgentAccepted;
import io.workmate.protocol.openclaw.AgentParams;
import io.workmate.protocol.openclaw.AgentReply;
import io.workmate.protocol.openclaw.AgentResult;
import io.workmate.protocol.openclaw.GatewayCodec;
import io.workmate.protocol.openclaw.GatewayError;
import io.workmate.protocol.openclaw.GatewayFrame;
import io.workmate.protocol.openclaw.GatewayMethods;
import io.workmate.protocol.openclaw.MalformedFrameException;
import io.workmate.protocol.openclaw.RunEvent;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.slf4j.Logger;

/**
 * The requests a {@link GatewayConnection} has sent and not yet seen answered, each under its
 * own timeout, and the {@code agent} runs the gateway accepted: an {@code agent} request is
 * answered twice ({@code accepted}, then the final result), and its run's events reach the
 * subscriber in between. Owned by the connection actor and used only on its thread.
 */
final class RequestsInFlight {

  /** A request waiting for its answer; runs wait for two. */
  private record Pending(String method, ActorRef<GatewayReply> replyTo,
      ActorRef<RunUpdate> run, String runId) {

    Pending accepted(String acceptedRunId) {
      return new Pending(method, replyTo, run, acceptedRunId);
    }
  }

  /** How many ended run ids are remembered, so a second terminal answer is not passed on. */
  private static final int FINISHED_RUNS_KEPT = 1024;

  private final GatewayCodec codec;
  private final TimerScheduler<GatewayConnection.Command> timers;
  private final Logger log;
  private final String gatewayName;
  private final Map<String, Pending> pending = new HashMap<>();
  /** runId -> subscriber, for runs the gateway accepted. */
  private final Map<String, ActorRef<RunUpdate>> runs = new HashMap<>();
  private final Set<String> finishedRuns = new LinkedHashSet<>();
  /** Runs whose terminal event was passed on: chat and agent both end a run, maybe twice. */
  private final Set<String> terminalSeen = new HashSet<>();
  private long requestCounter;

  RequestsInFlight(GatewayCodec codec, TimerScheduler<GatewayConnection.Command> timers,
      Logger log, String gatewayName) {
    this.codec = codec;
    this.timers = timers;
    this.log = log;
    this.gatewayName = gatewayName;
  }

  String nextId() {
    return "w" + (++requestCounter);
  }

  /** Registers a call and returns its request frame. */
  GatewayFrame call(String method, JsonNode params, Duration timeout,
      ActorRef<GatewayReply> replyTo) {
    String id = nextId();
    pending.put(id, new Pending(method, replyTo, null, null));
    timers.startSingleTimer(new GatewayConnection.CallTimedOut(id), timeout);
    return codec.request(id, method, params);
  }

  /** Registers an {@code agent} run and returns its request frame. */
  GatewayFrame startRun(AgentParams params, Duration timeout, ActorRef<RunUpdate> subscriber) {
    String id = nextId();
    pending.put(id, new Pending(GatewayMethods.AGENT, null, subscriber, null));
    timers.startSingleTimer(new GatewayConnection.CallTimedOut(id), timeout);
    return codec.request(id, GatewayMethods.AGENT, params);
  }

  /** The answer to a request; {@code runTimeout} bounds a run once it was accepted. */
  void answered(GatewayFrame.Response response, Duration runTimeout) {
    Pending call = pending.get(response.id());
    if (call == null) {
      log.debug("gateway {}: answer to unknown or timed-out request {}", gatewayName,
          response.id());
      return;
    }
    if (call.run() != null) {
      runAnswered(response, call, runTimeout);
      return;
    }
    forget(response.id());
    call.replyTo().tell(response.ok() ? new GatewayReply.Ok(response.payload())
        : new GatewayReply.Rejected(response.error()));
  }

  private void runAnswered(GatewayFrame.Response response, Pending call, Duration runTimeout) {
    AgentReply reply;
    try {
      reply = AgentReply.from(response, codec);
    } catch (MalformedFrameException e) {
      forget(response.id());
      String reason = "unreadable answer to agent: " + e.getMessage();
      if (call.runId() == null) {
        call.run().tell(new RunUpdate.Rejected(new GatewayError("MALFORMED", reason)));
      } else {
        finishRun(call.runId(), call.run(), false, "", reason);
      }
      return;
    }
    if (reply instanceof AgentAccepted accepted) {
      runs.put(accepted.runId(), call.run());
      pending.put(response.id(), call.accepted(accepted.runId()));
      // the run may take long; only the final answer ends the request
      timers.startSingleTimer(new GatewayConnection.CallTimedOut(response.id()), runTimeout);
      call.run().tell(new RunUpdate.Accepted(accepted.runId()));
      return;
    }
    forget(response.id());
    AgentResult result = (AgentResult) reply;
    if (result.runId() == null && !response.ok()) {
      call.run().tell(new RunUpdate.Rejected(response.error()));
      return;
    }
    finishRun(result.runId(), call.run(), result.succeeded(), result.text(),
        result.succeeded() ? null : describe(result, response.error()));
  }

  private static String describe(AgentResult result, GatewayError error) {
    if (error != null) {
      return error.toString();
    }
    return "run ended with status " + result.status()
        + (result.summary() == null ? "" : " (" + result.summary() + ")");
  }

  private void finishRun(String runId, ActorRef<RunUpdate> subscriber, boolean ok, String text,
      String error) {
    runs.remove(runId);
    terminalSeen.remove(runId);
    if (runId != null && !finishedRuns.add(runId)) {
      return; // already finished by an event
    }
    while (finishedRuns.size() > FINISHED_RUNS_KEPT) {
      Iterator<String> oldest = finishedRuns.iterator();
      oldest.next();
      oldest.remove();
    }
    subscriber.tell(new RunUpdate.Finished(runId, ok, text == null ? "" : text, error));
  }

  /** Run events reach every operator connection; only runs started here are passed on. */
  void runEvent(RunEvent event) {
    ActorRef<RunUpdate> subscriber = runs.get(event.runId());
    if (subscriber == null || event.terminal() && !terminalSeen.add(event.runId())) {
      return;
    }
    subscriber.tell(new RunUpdate.Progress(event.runId(), event));
  }

  void timedOut(String id) {
    Pending call = pending.remove(id);
    if (call == null) {
      return;
    }
    String reason = "the gateway did not answer " + call.method() + " in time";
    if (call.run() == null) {
      call.replyTo().tell(new GatewayReply.Unavailable(reason));
      return;
    }
    String runId = call.runId();
    call.run().tell(runId == null ? new RunUpdate.Rejected(new GatewayError("TIMEOUT", reason))
        : new RunUpdate.Finished(runId, false, "", reason));
    if (runId != null) {
      runs.remove(runId);
    }
  }

  /** The link is gone: calls fail, runs not yet accepted are refused, accepted ones lost. */
  void failAll(String reason) {
    for (Iterator<Map.Entry<String, Pending>> it = pending.entrySet().iterator();
        it.hasNext(); ) {
      Map.Entry<String, Pending> entry = it.next();
      timers.cancel(new GatewayConnection.CallTimedOut(entry.getKey()));
      Pending call = entry.getValue();
      if (call.replyTo() != null) {
        call.replyTo().tell(new GatewayReply.Unavailable(reason));
      } else if (call.runId() == null) {
        call.run().tell(new RunUpdate.Rejected(new GatewayError("UNAVAILABLE", reason)));
      }
      it.remove();
    }
    runs.forEach((runId, subscriber) -> subscriber.tell(new RunUpdate.LinkLost(runId, reason)));
    runs.clear();
  }

  private void forget(String id) {
    pending.remove(id);
    timers.cancel(new GatewayConnection.CallTimedOut(id));
  }
}
