package io.workmate.server.http;

import io.workmate.jobs.JobFeed;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobStatus;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.server.service.DrainSignal;
import io.workmate.workspaces.Workspaces;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.marshalling.sse.EventStreamMarshalling;
import org.apache.pekko.http.javadsl.model.sse.ServerSentEvent;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.typed.javadsl.ActorSource;

/** {@code /v1/jobs...} and {@code /v1/dead-letters}: the job queue over HTTP. */
final class JobRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  /** Comment lines on an idle event stream, so proxies and clients keep it open. */
  private static final Duration HEARTBEAT = Duration.ofSeconds(15);
  /**
   * How often an open stream asks for its job. In a cluster the watch lives in the job's shard,
   * and a node lost with the shard takes it along; a job ended this long ago whose end the feed
   * did not bring gets its end from the answer.
   */
  private static final Duration WATCH_CHECK = Duration.ofSeconds(10);
  /** Feed entries held for a slow client; beyond this the stream fails rather than grow. */
  private static final int FEED_BUFFER = 4096;
  /** The last event of every open stream when the service stops. */
  static final String STOPPING_EVENT = "stopping";
  private static final String STOPPING_DATA = "{\"message\":\"the service is stopping; "
      + "reconnect once it is back to follow the job\"}";

  private final ActorSystem<?> system;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final RequestBodies.Defaults defaults;
  private final Clock clock;
  private final Optional<DrainSignal> drain;
  private final Optional<ActorRef<Workspaces.Command>> workspaces;

  JobRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher,
      RequestBodies.Defaults defaults, Clock clock) {
    this(system, dispatcher, defaults, clock, Optional.empty());
  }

  JobRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher,
      RequestBodies.Defaults defaults, Clock clock, Optional<DrainSignal> drain) {
    this(system, dispatcher, defaults, clock, drain, Optional.empty());
  }

  /**
   * {@code drain}: event streams end with a {@code stopping} event once the service drained;
   * {@code workspaces}: jobs may ask for a git workspace ({@link WorkspaceRoutes}).
   */
  JobRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher,
      RequestBodies.Defaults defaults, Clock clock, Optional<DrainSignal> drain,
      Optional<ActorRef<Workspaces.Command>> workspaces) {
    this.system = system;
    this.workspaces = workspaces;
    this.drain = drain;
    this.dispatcher = dispatcher;
    this.defaults = defaults;
    this.clock = clock;
  }

  List<Operation> operations() {
    List<Operation> operations = new java.util.ArrayList<>(jobOperations());
    workspaces.ifPresent(git ->
        operations.addAll(new WorkspaceRoutes(system, dispatcher, git, defaults, clock,
            this::submit).operations()));
    return operations;
  }

  private List<Operation> jobOperations() {
    return List.of(
        Operation.post("/v1/jobs", "Submit a job")
            .responds(202, "accepted: {\"id\", \"status\"}", Accepted.class)
            .responds(413, "body larger than 64 KiB")
            .responds(422, "no agent fits the job (no_matching_agent)")
            .responds(503, "the job store did not answer, or the service is draining to stop "
                + "(draining, with Retry-After)")
            .body(RequestBodies.SubmitJob.class, this::submit),
        Operation.get("/v1/jobs", "List jobs in submission order, oldest first")
            .query("status", "string", "only jobs in this status")
            .query("agent", "string", "only jobs of this agent: the one a job names until an "
                + "attempt starts, then the one it runs on")
            .query("limit", "integer", "1..1000, default 50")
            .query("after", "string", "the previous page's \"next\"")
            .responds(200, "{\"jobs\": [...], \"next\"}", JobJson.Page.class)
            .responds(400, "bad status, agent, limit or after")
            .route(() -> listing(null)),
        Operation.get("/v1/jobs/{id}", "One job")
            .responds(200, "{\"id\", \"status\", \"attempts\", \"agent\", \"threadId\", "
                + "\"result\"?, \"error\"?, \"priority\", \"createdAt\", \"updatedAt\", "
                + "\"retryAt\"?}", JobJson.JobView.class)
            .responds(404, "no such job")
            .route(id -> jobReply(id, JobDispatcher.Get::new, 200)),
        Operation.get("/v1/jobs/{id}/history", "The job's transitions, oldest first")
            .responds(200, "{\"id\", \"events\": [{\"type\", \"at\", ...}]}")
            .responds(404, "no such job")
            .route(id -> jobReply(id, JobDispatcher.GetHistory::new, 200)),
        Operation.get("/v1/jobs/{id}/events", "Server-Sent Events of the job: status, item, "
            + "approval, approval_resolved, end (then the stream closes). Each event has an id; "
            + "a reconnect with Last-Event-ID skips the status the client already has")
            .header("Last-Event-ID", "the id of the last event a reconnecting client got")
            .responds(200, "text/event-stream")
            .responds(404, "no such job")
            .route(this::events),
        Operation.post("/v1/jobs/{id}/cancel", "Cancel a job (a running one is interrupted)")
            .responds(200, "the cancelled job", JobJson.JobView.class)
            .responds(404, "no such job")
            .responds(409, "the job already finished")
            .route(id -> jobReply(id, JobDispatcher.Cancel::new, 200)),
        Operation.post("/v1/jobs/{id}/retry", "Queue a dead job again with fresh attempts")
            .responds(200, "the queued job", JobJson.JobView.class)
            .responds(404, "no such job")
            .responds(409, "the job is not dead")
            .route(id -> jobReply(id, JobDispatcher.Retry::new, 200)),
        Operation.get("/v1/dead-letters", "Jobs that used up their attempts (status dead)")
            .query("limit", "integer", "1..1000, default 50")
            .query("after", "string", "the previous page's \"next\"")
            .responds(200, "{\"jobs\": [...], \"next\"}", JobJson.Page.class)
            .responds(400, "bad limit or after")
            .route(() -> listing(JobStatus.DEAD)));
  }

  private Route submit(RequestBodies.SubmitJob request) {
    JobSpec spec = request.toSpec(defaults, clock.instant());
    if (request.workspace() != null) {
      return onSuccess(WorkspaceRoutes.resolve(system, workspaces.orElse(null),
          request.workspace(), spec), checked -> checked instanceof ApiError refused
              ? complete(Responses.error(refused)) : submit((JobSpec) checked));
    }
    return submit(spec);
  }

  private Route submit(JobSpec spec) {
    return onSuccess(ask(replyTo -> new JobDispatcher.Submit(spec, replyTo)), reply -> {
      if (reply instanceof JobReply.Current current) {
        return Responses.json(202, new Accepted(current.job().id(),
            current.job().status().wireName()));
      }
      return complete(refusal(reply, "?"));
    });
  }

  /** The answer to a submit. */
  record Accepted(String id, String status) {}

  private Route listing(JobStatus fixed) {
    return parameterOptional("status", status -> parameterOptional("limit", limit ->
        parameterOptional("after", after -> {
          if (fixed != null && status.isPresent()) {
            throw new ApiError(400, "unknown_parameter",
                "status is fixed on this route; use GET /v1/jobs?status=...");
          }
          JobStatus wanted = fixed != null ? fixed : JobRequests.status(status);
          int max = JobRequests.limit(limit);
          String from = JobRequests.after(after);
          return parameterOptional("agent", agent -> {
            String of = JobRequests.agent(agent);
            CompletionStage<JobDispatcher.JobPage> page = Asks.ask(system, dispatcher,
                replyTo -> new JobDispatcher.ListJobs(wanted, of, max, from, replyTo),
                ASK_TIMEOUT);
            return onSuccess(page, p -> Responses.json(200, JobJson.page(p)));
          });
        })));
  }

  private Route jobReply(String jobId,
      java.util.function.BiFunction<String, ActorRef<JobReply>, JobDispatcher.Command>
          command, int status) {
    if (!JobRequests.JOB_ID.matcher(jobId).matches()) {
      return complete(Responses.error(404, "not_found", "no job '" + jobId + "'"));
    }
    return onSuccess(ask(replyTo -> command.apply(jobId, replyTo)), reply -> {
      if (reply instanceof JobReply.Current current) {
        return Responses.json(status, JobJson.job(current.job()));
      }
      if (reply instanceof JobReply.History history) {
        return Responses.json(status, JobJson.history(history.jobId(), history.events()));
      }
      return complete(refusal(reply, jobId));
    });
  }

  /**
   * Checks the job exists (so an unknown id is a plain 404), then streams its feed: the
   * dispatcher's {@code Watch} sends to an actor that feeds the response; the stream ends after
   * {@code end}, and when the client goes away the actor stops, which ends the watch.
   */
  private Route events(String jobId) {
    if (!JobRequests.JOB_ID.matcher(jobId).matches()) {
      return complete(Responses.error(404, "not_found", "no job '" + jobId + "'"));
    }
    return optionalHeaderValueByName("Last-Event-ID", lastEventId ->
        onSuccess(ask(replyTo -> new JobDispatcher.Get(jobId, replyTo)), reply -> {
      if (!(reply instanceof JobReply.Current)) {
        return complete(refusal(reply, jobId));
      }
      Source<ServerSentEvent, NotUsed> feed = ActorSource.<JobFeed>actorRef(
              message -> false, message -> java.util.Optional.empty(), FEED_BUFFER,
              OverflowStrategy.fail())
          .mapMaterializedValue(watcher -> {
            dispatcher.tell(new JobDispatcher.Watch(jobId, watcher));
            return NotUsed.getInstance();
          })
          // a client behind a fast stream gets its deltas merged (FeedBacklog), not cut off
          .conflateWithSeed(FeedBacklog::of, FeedBacklog::add)
          .mapConcat(FeedBacklog::entries)
          .merge(endLostWithItsWatch(jobId), false)
          .takeWhile(entry -> !(entry instanceof JobFeed.End), true)
          .statefulMapConcat(() -> new FeedEventIds(lastEventId)::next);
      if (drain.isPresent()) {
        // the feed ends with the job's end event, or with a stopping event when the service
        // stops first; not an eager merge, which may drop the element of the input that
        // completes (the stopping event) if the client has not asked for it yet
        feed = feed.merge(Source.completionStage(drain.get().drained())
                .map(drained -> ServerSentEvent.create(STOPPING_DATA, STOPPING_EVENT)), false)
            .takeWhile(event -> !isLast(event), true);
      }
      feed = feed.keepAlive(HEARTBEAT, ServerSentEvent::heartbeat);
      if (drain.isPresent()) {
        DrainSignal signal = drain.get();
        feed = feed.watchTermination((notUsed, done) -> {
          signal.streamStarted();
          done.whenComplete((ok, failure) -> signal.streamEnded());
          return notUsed;
        });
      }
      return completeOK(feed, EventStreamMarshalling.toEventStream());
    }));
  }

  /** The job's end when it ended a while ago and the live feed has not said so (see above). */
  private Source<JobFeed, NotUsed> endLostWithItsWatch(String jobId) {
    return Source.tick(WATCH_CHECK, WATCH_CHECK, jobId)
        .mapAsync(1, id -> ask(replyTo -> new JobDispatcher.Get(id, replyTo))
            .exceptionally(failure -> null))
        .mapConcat(reply -> reply instanceof JobReply.Current current
            && current.job().status().isTerminal()
            && current.job().updatedAt().plus(WATCH_CHECK).isBefore(clock.instant())
            ? List.<JobFeed>of(new JobFeed.End(jobId, current.job())) : List.<JobFeed>of())
        .mapMaterializedValue(cancellable -> NotUsed.getInstance());
  }

  private static boolean isLast(ServerSentEvent event) {
    String type = event.getEventType().orElse("");
    return type.equals(STOPPING_EVENT) || type.equals(JobJson.END_EVENT);
  }

  private CompletionStage<JobReply> ask(
      Function<ActorRef<JobReply>, JobDispatcher.Command> command) {
    return Asks.ask(system, dispatcher, command::apply, ASK_TIMEOUT);
  }

  /** A reply that is not the job: which 4xx/5xx it is. */
  static org.apache.pekko.http.javadsl.model.HttpResponse refusal(JobReply reply,
      String jobId) {
    if (reply instanceof JobReply.NotFound notFound) {
      return Responses.error(404, "not_found", "no job '" + notFound.jobId() + "'");
    }
    if (reply instanceof JobReply.Rejected rejected
        && JobDispatcher.DRAINING.equals(rejected.code())) {
      return Responses.unavailableWhileDraining();
    }
    if (reply instanceof JobReply.Rejected rejected) {
      int status = switch (rejected.code()) {
        case "no_matching_agent" -> 422;
        case "unavailable" -> 503;
        case "invalid_request" -> 400;
        default -> 409; // invalid_transition and anything else the job's state refuses
      };
      return Responses.error(status, rejected.code(), rejected.message());
    }
    return Responses.error(500, "internal", "unexpected answer for job '" + jobId + "'");
  }

}
