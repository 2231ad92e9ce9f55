package io.workmate.agents;

import io.workmate.gateway.GatewayConnection;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * An agent that runs on an OpenClaw gateway: each invocation is one {@code agent} run on the
 * gateway connection, in a session of its own ({@code agent:main:wm-<agent>-<invocation>}), so
 * invocations neither see each other's context nor abort each other. The run itself is a child
 * ({@link GatewayRun}) that maps the gateway's {@code RunUpdate}s to {@link Agent.Update}s and
 * re-attaches to the run after a lost link; this actor only starts, routes and forgets them.
 *
 * <p>The idempotency key is derived from the agent and invocation ids, so an invocation sent
 * again (e.g. after a Workmate restart) gets the gateway's cached outcome instead of a second run.
 */
public final class GatewayAgent {

  /** The OpenClaw agent that runs Workmate's invocations. */
  public static final String OPENCLAW_AGENT = "main";

  private sealed interface Internal {}

  private record RunEnded(String invocationId) implements Internal {}

  /** How long a run whose link dropped waits for it before the run counts as lost. */
  public static final Duration DEFAULT_REATTACH_WINDOW = Duration.ofSeconds(10);

  public static Behavior<Agent.Command> create(AgentRegistration registration,
      ActorRef<GatewayConnection.Command> connection) {
    return create(registration, connection, DEFAULT_REATTACH_WINDOW);
  }

  public static Behavior<Agent.Command> create(AgentRegistration registration,
      ActorRef<GatewayConnection.Command> connection, Duration reattachWindow) {
    return Behaviors.<Object>setup(context ->
        new GatewayAgent(registration, connection, reattachWindow, context).running()).narrow();
  }

  private final AgentRegistration registration;
  private final ActorRef<GatewayConnection.Command> connection;
  private final Duration reattachWindow;
  private final ActorContext<Object> context;
  private final Map<String, ActorRef<GatewayRun.Command>> runs = new HashMap<>();
  private long started;

  private GatewayAgent(AgentRegistration registration,
      ActorRef<GatewayConnection.Command> connection, Duration reattachWindow,
      ActorContext<Object> context) {
    this.registration = Objects.requireNonNull(registration, "registration");
    this.connection = Objects.requireNonNull(connection, "connection");
    this.reattachWindow = Objects.requireNonNull(reattachWindow, "reattachWindow");
    this.context = context;
  }

  private Behavior<Object> running() {
    return Behaviors.receive(Object.class)
        .onMessage(Agent.Invoke.class, this::onInvoke)
        .onMessage(Agent.Interrupt.class, interrupt -> {
          ActorRef<GatewayRun.Command> run = runs.get(interrupt.invocationId());
          if (run != null) {
            run.tell(GatewayRun.Interrupt.INSTANCE);
          }
          return Behaviors.same();
        })
        .onMessage(Agent.Decide.class, decide -> {
          decide.replyTo().tell(new Agent.Decided(false,
              "gateway runs raise no approvals to Workmate; nothing to decide"));
          return Behaviors.same();
        })
        .onMessage(RunEnded.class, ended -> {
          runs.remove(ended.invocationId());
          return Behaviors.same();
        })
        .build();
  }

  private Behavior<Object> onInvoke(Agent.Invoke invoke) {
    Agent.Invocation invocation = invoke.invocation();
    if (runs.containsKey(invocation.id())) {
      invoke.replyTo().tell(new Agent.Update.Finished(invocation.id(), Agent.Outcome.FAILED,
          null, "invocation " + invocation.id() + " is already running on " + registration.id()));
      return Behaviors.same();
    }
    GatewayRun.Target target = new GatewayRun.Target(connection, OPENCLAW_AGENT,
        sessionKey(invocation.id()), idempotencyKey(invocation.id()), reattachWindow);
    ActorRef<GatewayRun.Command> run = context.spawn(
        GatewayRun.create(target, invocation, invoke.replyTo()), "run-" + (++started));
    context.watchWith(run, new RunEnded(invocation.id()));
    runs.put(invocation.id(), run);
    return Behaviors.same();
  }

  /** Readable, within OpenClaw's key alphabet, and unique per agent and invocation. */
  String sessionKey(String invocationId) {
    String readable = invocationId.toLowerCase(Locale.ROOT).replaceAll("[^a-z0-9._-]", "-");
    if (readable.length() > 48) {
      readable = readable.substring(0, 48);
    }
    String hash = idempotencyKey(invocationId).substring(0, 8);
    return "agent:" + OPENCLAW_AGENT + ":wm-" + registration.id() + "-" + readable + "-" + hash;
  }

  private String idempotencyKey(String invocationId) {
    return UUID.nameUUIDFromBytes((registration.id() + "|" + invocationId)
        .getBytes(StandardCharsets.UTF_8)).toString();
  }
}
