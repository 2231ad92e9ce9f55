package io.workmate.server.http;

import io.workmate.jobs.Job;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobSpec;
import io.workmate.jobs.JobWorkspace;
import io.workmate.jobs.WorkspaceSpec;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.workspaces.Workspaces;
import java.time.Duration;
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
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * Job workspaces over HTTP: the check of a submission's {@code workspace} (git runs in the
 * repository's actor, not in the route) and {@code GET /v1/jobs/{id}/diff}.
 */
final class WorkspaceRoutes extends AllDirectives {

  /** Git answers in milliseconds; a repository busy with many worktrees may take a while. */
  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(30);
  static final ContentType.WithCharset X_DIFF = MediaTypes.text("x-diff", "diff",
      "patch").toContentType(HttpCharsets.UTF_8);

  private final ActorSystem<?> system;
  private final ActorRef<JobDispatcher.Command> dispatcher;
  private final ActorRef<Workspaces.Command> workspaces;

  WorkspaceRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher,
      ActorRef<Workspaces.Command> workspaces) {
    this.system = system;
    this.dispatcher = dispatcher;
    this.workspaces = workspaces;
  }

  List<Operation> operations() {
    return List.of(Operation.get("/v1/jobs/{id}/diff", "The unified diff of the job's branch "
            + "from its base to its committed head (text/x-diff)")
        .responds(200, "text/x-diff")
        .responds(404, "no such job, the job has no workspace, or its repository no longer "
            + "has its commits")
        .responds(409, "the job's changes are not committed yet (it has not succeeded)")
        .route(this::diff));
  }

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
        return complete(Responses.error(409, "invalid_transition", "job " + jobId + " is "
            + found.status().wireName() + "; its changes are committed when it succeeds"));
      }
      CompletionStage<Workspaces.DiffText> diff = Asks.ask(system, workspaces,
          replyTo -> new Workspaces.Diff(workspace.repo(), workspace.baseCommit(),
              workspace.headCommit(), replyTo), ASK_TIMEOUT);
      return onSuccess(diff, text -> complete(text.error() != null
          ? Responses.error(404, "not_found", text.error())
          : HttpResponse.create().withEntity(HttpEntities.create(X_DIFF, text.text()))));
    });
  }
}
