package io.workmate.server.http;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobWorkspace;
import io.workmate.jobs.WorkspaceSpec;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.workspaces.Workspaces;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.jobs.JobIds;
import io.workmate.jobs.JobStatus;
import java.time.Clock;
import java.time.Duration;
import java.util.function.Function;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.HttpCharsets;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Job workspaces over HTTP: the check of a submission's {@code workspace} (git runs in the
 * repository's actor, not in the route) and {@code GET /v1/jobs/{id}/diff}.
 */
final class WorkspaceRoutes extends AllDirectives {

  /** Git answers in milliseconds; a repository busy with many worktrees may take a while. */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);
  /** The header saying what a diff is of: the committed {@code branch} or the {@code worktree}. */
  static final String DIFF_OF = "X-Workmate-Diff-Of";
  static final ContentType.WithCharset X_DIFF = MediaTypes.text("x-diff", "diff",
      "patch").toContentType(HttpCharsets.UTF_8);

  private final ActorSystem<?> system;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final ActorRef<Workspaces.Command> workspaces;

  /** {@code submit}: how the job routes submit a spec (the follow-up's). */
  WorkspaceRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher,
      ActorRef<Workspaces.Command> workspaces, RequestBodies.Defaults defaults, Clock clock,
      Function<JobSpec, Route> submit) {
    this.system = system;
    this.dispatcher = dispatcher;
    this.workspaces = workspaces;
    this.defaults = defaults;
    this.clock = clock;
    this.submit = submit;
  }

  /**
   * A follow-up of a succeeded job: its id comes from the source job's (one follow-up per
   * job, so a branch has one job at a time: the latest of its chain), its base is the branch's
   * tip now, and it continues the source's Codex thread.
   */
  private Route followUp(String jobId, RequestBodies.FollowUp request) {
    return withJob(jobId, source -> {
      WorkspaceSpec workspace = source.spec().workspace();
      JobWorkspace made = source.workspace();
      if (workspace == null || made == null) {
        return complete(Responses.error(409, "invalid_transition", "job " + jobId
            + " has no workspace; only a job with one can be followed up"));
      }
      if (source.status() != JobStatus.SUCCEEDED) {
        return complete(Responses.error(409, "invalid_transition", "job " + jobId + " is "
            + source.status().wireName() + "; only a succeeded job can be followed up"));
      }
      String key = FOLLOW_UP_KEY + jobId;
      String followUpId = JobIds.forIdempotencyKey(key);
      CompletionStage<JobReply> existing = Asks.ask(system, dispatcher,
          replyTo -> new JobDispatcher.Get(followUpId, replyTo), ASK_TIMEOUT);
      return onSuccess(existing, reply -> {
        if (reply instanceof JobReply.Current current) {
          return complete(Responses.error(409, "invalid_transition", "job " + jobId
              + " was followed up already by " + followUpId + " ("
              + current.job().status().wireName() + "); a branch has one job at a time: "
              + "follow up the latest"));
        }
        CompletionStage<Workspaces.Validated> tip = Asks.ask(system, workspaces,
            replyTo -> new Workspaces.Validate(made.repo(), "refs/heads/" + made.branch(), null,
                replyTo),
            ASK_TIMEOUT);
        return onSuccess(tip, validated -> {
          if (!validated.ok()) {
            return complete(Responses.error(409, "invalid_transition", "the branch "
                + made.branch() + " of job " + jobId + " cannot be continued: "
                + validated.message()));
          }
          JobSpec spec = request.toSpec(source.spec(), defaults, clock.instant())
              .withIdempotencyKey(key)
              .withWorkspace(new WorkspaceSpec(validated.repo(), made.branch(), made.branch(),
                  validated.baseCommit(), jobId, source.threadId()));
          return submit.apply(spec);
        });
      });
    });
  }

  private Route merge(String jobId, RequestBodies.Merge request) {
    return withJob(jobId, job -> {
      JobWorkspace made = job.workspace();
      if (made == null || made.headCommit() == null || job.status() != JobStatus.SUCCEEDED) {
        return complete(Responses.error(409, "invalid_transition", "job " + jobId + " is "
            + job.status().wireName() + (made == null ? " and has no workspace" : "")
            + "; only a succeeded job's branch can be merged"));
      }
      String strategy = request.strategy() != null ? request.strategy() : "merge";
      CompletionStage<Workspaces.Merged> merged = Asks.ask(system, workspaces,
          replyTo -> new Workspaces.Merge(jobId, made.repo(), made.branch(), request.into(),
              strategy, replyTo), ASK_TIMEOUT);
      return onSuccess(merged, result -> {
        if (result.refused() != null) {
          return complete(Responses.error(400, "invalid_value", "\"into\": "
              + result.refused()));
        }
        if (result.conflict() != null) {
          ObjectNode body = Responses.JSON.createObjectNode();
          ObjectNode error = body.putObject("error");
          error.put("code", "conflict").put("message", result.conflict());
          ArrayNode files = error.putArray("files");
          result.files().forEach(files::add);
          return Responses.json(409, body);
        }
        return Responses.json(200, new MergeView(request.into(), result.commit(), result.how(),
            result.fastForward()));
      });
    });
  }

  private Route withJob(String jobId, Function<Job, Route> route) {
    if (!JobRequests.JOB_ID.matcher(jobId).matches()) {
      return complete(Responses.error(404, "not_found", "no job '" + jobId + "'"));
    }
    CompletionStage<JobReply> job = Asks.ask(system, dispatcher,
        replyTo -> new JobDispatcher.Get(jobId, replyTo), ASK_TIMEOUT);
    return onSuccess(job, reply -> reply instanceof JobReply.Current current
        ? route.apply(current.job()) : complete(JobRoutes.refusal(reply, jobId)));
  }

  /** Follow-ups' idempotency keys: one follow-up per job. */
  static final String FOLLOW_UP_KEY = "workmate-follow-up:";

  private final RequestBodies.Defaults defaults;
  private final Clock clock;
  private final Function<JobSpec, Route> submit;

  List<Operation> operations() {
    return List.of(Operation.get("/v1/jobs/{id}/diff", "The unified diff of the job's branch "
            + "from its base to its committed head (text/x-diff); before the job succeeded, "
            + "from its base to what its worktree holds now, committed or not (a running "
            + "job's work so far, a failed job's kept worktree). The header "
            + DIFF_OF + " says which: branch or worktree")
        .responds(200, "text/x-diff")
        .responds(404, "no such job, the job has no workspace, or its repository no longer "
            + "has its commits")
        .responds(409, "the job's changes are not committed yet and it has no worktree on "
            + "this node now (queued, or its worktree was removed)")
        .route(this::diff),
        Operation.post("/v1/jobs/{id}/follow-up", "A new job on the same branch, continuing "
            + "the job's Codex thread when it still exists")
        .responds(202, "accepted: {\"id\", \"status\"}", JobRoutes.Accepted.class)
        .responds(404, "no such job")
        .responds(409, "the job has no workspace, has not succeeded, or was followed up "
            + "already (a branch has one running job at a time; follow up the latest)")
        .responds(503, "the job store did not answer, or the service is draining")
        .body(RequestBodies.FollowUp.class, this::followUp),
        Operation.post("/v1/jobs/{id}/merge", "Merge the job's branch into a branch of its "
            + "repository without touching any working tree")
        .responds(200, "{\"into\", \"commit\", \"strategy\", \"fastForward\"}",
            MergeView.class)
        .responds(404, "no such job")
        .responds(409, "the job has not succeeded, the merge conflicts (error.files), or the "
            + "target branch is checked out in a working tree; nothing was changed")
        .body(RequestBodies.Merge.class, this::merge));
  }

  /** The answer to a merge. */
  record MergeView(String into, String commit, String strategy, boolean fastForward) {}

  /**
   * The spec with its workspace checked: the repository's path and place, the base resolved to
   * a commit, the branch name free; or the refusal naming the field ({@code workspace.repo},
   * {@code workspace.base}, {@code workspace.branch}).
   */
  static CompletionStage<Object> resolve(ActorSystem<?> system,
      ActorRef<Workspaces.Command> workspaces, RequestBodies.WorkspaceRequest request,
      JobSpec spec) {
    if (workspaces == null) {
      return CompletableFuture.completedFuture(new ApiError(400, "invalid_value",
          "\"workspace\": this service runs no job workspaces"));
    }
    return Asks.<Workspaces.Command, Workspaces.Validated>ask(system, workspaces,
            replyTo -> new Workspaces.Validate(request.repo(), request.baseOrHead(),
                request.branch(), replyTo), ASK_TIMEOUT)
        .thenApply(validated -> validated.ok()
            ? spec.withWorkspace(new WorkspaceSpec(validated.repo(), request.baseOrHead(),
                request.branch(), validated.baseCommit()))
            : new ApiError(400, "invalid_value", "\"workspace." + validated.field() + "\": "
                + validated.message()));
  }

  private Route diff(String jobId) {
    if (!JobRequests.JOB_ID.matcher(jobId).matches()) {
      return complete(Responses.error(404, "not_found", "no job '" + jobId + "'"));
    }
    CompletionStage<JobReply> job = Asks.ask(system, dispatcher,
        replyTo -> new JobDispatcher.Get(jobId, replyTo), ASK_TIMEOUT);
    return onSuccess(job, reply -> {
      if (!(reply instanceof JobReply.Current current)) {
        return complete(JobRoutes.refusal(reply, jobId));
      }
      Job found = current.job();
      JobWorkspace workspace = found.workspace();
      if (found.spec().workspace() == null) {
        return complete(Responses.error(404, "not_found", "job " + jobId
            + " has no workspace"));
      }
      if (workspace == null || workspace.headCommit() == null) {
        // not committed yet: what its worktree holds now, while it has one
        String base = workspace != null ? workspace.baseCommit()
            : found.spec().workspace().baseCommit();
        CompletionStage<Workspaces.DiffText> sofar = Asks.ask(system, workspaces,
            replyTo -> new Workspaces.WorktreeDiff(jobId, base, replyTo), ASK_TIMEOUT);
        return onSuccess(sofar, text -> complete(text.error() != null
            ? Responses.error(409, "invalid_transition", "job " + jobId + " is "
                + found.status().wireName() + "; its changes are committed when it succeeds, "
                + "and " + text.error())
            : HttpResponse.create().addHeader(RawHeader.create(DIFF_OF, "worktree"))
                .withEntity(HttpEntities.create(X_DIFF, text.text()))));
      }
      CompletionStage<Workspaces.DiffText> diff = Asks.ask(system, workspaces,
          replyTo -> new Workspaces.Diff(workspace.repo(), workspace.baseCommit(),
              workspace.headCommit(), replyTo), ASK_TIMEOUT);
      return onSuccess(diff, text -> complete(text.error() != null
          ? Responses.error(404, "not_found", text.error())
          : HttpResponse.create().addHeader(RawHeader.create(DIFF_OF, "branch"))
              .withEntity(HttpEntities.create(X_DIFF, text.text()))));
    });
  }
}
