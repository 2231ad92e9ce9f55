package io.workmate.agents;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.protocol.Excerpts;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;

/**
 * An agent behind an HTTP endpoint: each invocation is one POST of
 * {@code {"invocationId", "prompt", "cwd"?}} to the registered endpoint. A 2xx answer with JSON
 * {@code {"text": "..."}} (or any non-JSON body, taken as the text) succeeds; any other status,
 * no answer within the invocation's timeout, or an unreachable endpoint fails with a message
 * that says which. Invocations run concurrently; an interrupted or timed-out one ends at once
 * and its late answer is discarded.
 */
public final class HttpAgent {

  /** Longest answer body read; a bigger one fails the invocation. */
  static final long MAX_BODY_BYTES = 4L * 1024 * 1024;
  private static final int ERROR_EXCERPT = 300;

  /**
   * What the actor sends itself. The actor runs as a {@code Behavior<Object>} narrowed to the
   * {@link Agent} protocol, so these stay private whether or not that protocol is sealed.
   */
  private sealed interface Internal {}

  private record Responded(String invocationId, long attempt, HttpResponse response,
      Throwable failure) implements Internal {}

  private record BodyRead(String invocationId, long attempt, int status, String contentType,
      HttpEntity.Strict body, Throwable failure) implements Internal {}

  private record TimedOut(String invocationId, long attempt) implements Internal {}

  /** One invocation in flight; {@code attempt} tells its late messages from a newer one's. */
  private record Call(Agent.Invocation invocation, ActorRef<Agent.Update> replyTo, long attempt) {}

  public static Behavior<Agent.Command> create(AgentRegistration registration) {
    return Behaviors.<Object>setup(context -> Behaviors.withTimers(
        timers -> new HttpAgent(registration, context, timers).running())).narrow();
  }

  private final AgentRegistration registration;
  private final ActorContext<Object> context;
  private final TimerScheduler<Object> timers;
  private final Http http;
  private final ObjectMapper json = new ObjectMapper();
  private final Map<String, Call> calls = new HashMap<>();
  private long attempts;

  private HttpAgent(AgentRegistration registration, ActorContext<Object> context,
      TimerScheduler<Object> timers) {
    this.registration = Objects.requireNonNull(registration, "registration");
    this.context = context;
    this.timers = timers;
    this.http = Http.get(context.getSystem());
  }

  private Behavior<Object> running() {
    return Behaviors.receive(Object.class)
        .onMessage(Agent.Invoke.class, this::onInvoke)
        .onMessage(Agent.Interrupt.class, this::onInterrupt)
        .onMessage(Agent.Decide.class, decide -> {
          decide.replyTo().tell(new Agent.Decided(false,
              "http agents raise no approvals; nothing to decide"));
          return Behaviors.same();
        })
        .onMessage(Responded.class, this::onResponded)
        .onMessage(BodyRead.class, this::onBodyRead)
        .onMessage(TimedOut.class, this::onTimedOut)
        .build();
  }

  private Behavior<Object> onInvoke(Agent.Invoke invoke) {
    Agent.Invocation invocation = invoke.invocation();
    if (calls.containsKey(invocation.id())) {
      invoke.replyTo().tell(new Agent.Update.Finished(invocation.id(), Agent.Outcome.FAILED,
          null, "invocation " + invocation.id() + " is already running on " + registration.id()));
      return Behaviors.same();
    }
    long attempt = ++attempts;
    calls.put(invocation.id(), new Call(invocation, invoke.replyTo(), attempt));
    invoke.replyTo().tell(new Agent.Update.Started(invocation.id(), null));
    HttpRequest request = HttpRequest.POST(registration.endpoint())
        .withEntity(HttpEntities.create(ContentTypes.APPLICATION_JSON, requestBody(invocation)));
    // the outcome comes back as a message: no CompletionStage callback runs outside the actor
    context.pipeToSelf(http.singleRequest(request), (response, failure) ->
        new Responded(invocation.id(), attempt, response, failure));
    timers.startSingleTimer(new TimedOut(invocation.id(), attempt), invocation.timeout());
    return Behaviors.same();
  }

  private String requestBody(Agent.Invocation invocation) {
    ObjectNode body = json.createObjectNode();
    body.put("invocationId", invocation.id());
    body.put("prompt", invocation.prompt());
    String cwd = invocation.cwd() != null ? invocation.cwd() : registration.cwd();
    if (cwd != null) {
      body.put("cwd", cwd);
    }
    return body.toString();
  }

  private Behavior<Object> onResponded(Responded responded) {
    Call call = current(responded.invocationId(), responded.attempt());
    if (call == null) {
      if (responded.response() != null) {
        // nobody waits for it any more, but its bytes must be drained to free the connection
        responded.response().discardEntityBytes(context.getSystem());
      }
      return Behaviors.same();
    }
    if (responded.failure() != null) {
      return finish(call, Agent.Outcome.FAILED, null, "cannot reach " + registration.endpoint()
          + ": " + describe(responded.failure()));
    }
    HttpResponse response = responded.response();
    long attempt = call.attempt();
    String invocationId = call.invocation().id();
    int status = response.status().intValue();
    String contentType = response.entity().getContentType().mediaType().toString();
    context.pipeToSelf(response.entity().toStrict(
            Math.max(1, call.invocation().timeout().toMillis()), MAX_BODY_BYTES,
            context.getSystem()),
        (strict, failure) -> new BodyRead(invocationId, attempt, status, contentType, strict,
            failure));
    return Behaviors.same();
  }

  private Behavior<Object> onBodyRead(BodyRead read) {
    Call call = current(read.invocationId(), read.attempt());
    if (call == null) {
      return Behaviors.same();
    }
    if (read.failure() != null) {
      return finish(call, Agent.Outcome.FAILED, null, registration.endpoint() + " answered HTTP "
          + read.status() + " but its body could not be read: " + describe(read.failure()));
    }
    String body = read.body().getData().decodeString(StandardCharsets.UTF_8);
    if (read.status() < 200 || read.status() > 299) {
      return finish(call, Agent.Outcome.FAILED, null, registration.endpoint() + " answered HTTP "
          + read.status() + (body.isBlank() ? "" : ": " + Excerpts.of(body, ERROR_EXCERPT)));
    }
    if (!read.contentType().equals(MediaTypes.APPLICATION_JSON.toString())) {
      return finish(call, Agent.Outcome.SUCCEEDED, body, null);
    }
    try {
      JsonNode answer = json.readTree(body);
      JsonNode text = answer == null ? null : answer.get("text");
      if (text == null || !text.isTextual()) {
        return finish(call, Agent.Outcome.FAILED, null, registration.endpoint()
            + " answered JSON without a string \"text\": " + Excerpts.of(body, ERROR_EXCERPT));
      }
      return finish(call, Agent.Outcome.SUCCEEDED, text.asText(), null);
    } catch (JsonProcessingException e) {
      return finish(call, Agent.Outcome.FAILED, null, registration.endpoint()
          + " answered invalid JSON: " + e.getOriginalMessage());
    }
  }

  private Behavior<Object> onTimedOut(TimedOut timedOut) {
    Call call = current(timedOut.invocationId(), timedOut.attempt());
    if (call == null) {
      return Behaviors.same();
    }
    return finish(call, Agent.Outcome.FAILED, null, registration.endpoint()
        + " did not answer within " + call.invocation().timeout().toMillis() + " ms");
  }

  private Behavior<Object> onInterrupt(Agent.Interrupt interrupt) {
    Call call = calls.get(interrupt.invocationId());
    if (call == null) {
      return Behaviors.same();
    }
    // HTTP has no way to cancel a sent request; the answer, if it comes, is discarded
    return finish(call, Agent.Outcome.INTERRUPTED, null, "interrupted");
  }

  private Call current(String invocationId, long attempt) {
    Call call = calls.get(invocationId);
    return call != null && call.attempt() == attempt ? call : null;
  }

  private Behavior<Object> finish(Call call, Agent.Outcome outcome, String text,
      String error) {
    calls.remove(call.invocation().id());
    timers.cancel(new TimedOut(call.invocation().id(), call.attempt()));
    call.replyTo().tell(new Agent.Update.Finished(call.invocation().id(), outcome, text, error));
    return Behaviors.same();
  }

  private static String describe(Throwable failure) {
    Throwable cause = failure instanceof CompletionException && failure.getCause() != null
        ? failure.getCause() : failure;
    String message = cause.getMessage();
    return message == null || message.isBlank() ? cause.getClass().getSimpleName() : message;
  }
}
