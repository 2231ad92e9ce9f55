package io.workmate.server.http;

import io.workmate.jobs.dispatch.ApprovalAnswer;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.protocol.codex.ApprovalDecision;
import java.time.Duration;
import java.util.List;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

/** {@code /v1/approvals}: what running jobs wait on, and the answers to it. */
final class ApprovalRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  private static final Pattern APPROVAL_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

  private final ActorSystem<?> system;
  private final ActorRef<JobDispatcher.Command> dispatcher;

  ApprovalRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher) {
    this.system = system;
    this.dispatcher = dispatcher;
  }

  List<Operation> operations() {
    return List.of(
        Operation.get("/v1/approvals", "Approvals that running jobs wait on, oldest first")
            .responds(200, "{\"approvals\": [{\"id\", \"jobId\", \"attempt\", \"kind\", "
                + "\"summary\", ...}]}")
            .route(() -> onSuccess(Asks.<JobDispatcher.Command,
                    JobDispatcher.Approvals>ask(system, dispatcher,
                    JobDispatcher.ListApprovals::new, ASK_TIMEOUT),
                approvals -> Responses.json(200, JobJson.approvals(approvals.approvals())))),
        Operation.post("/v1/approvals/{id}", "Answer an approval")
            .responds(200, "{\"approvalId\", \"jobId\", \"decision\"}", Decided.class)
            .responds(404, "no job waits on this approval")
            .responds(409, "the turn ended before the answer reached it")
            .body(RequestBodies.Decide.class, this::decide));
  }

  /** The answer to a decision. */
  record Decided(String approvalId, String jobId, String decision) {}

  private Route decide(String approvalId, RequestBodies.Decide request) {
    String wire = request.decision();
    ApprovalDecision decision = ApprovalDecision.parse(wire);
    if (!APPROVAL_ID.matcher(approvalId).matches()) {
      return complete(Responses.error(404, "not_found", "no approval '" + approvalId + "'"));
    }
    return onSuccess(Asks.<JobDispatcher.Command, ApprovalAnswer>ask(system,
        dispatcher, replyTo -> new JobDispatcher.DecideApproval(approvalId, decision, replyTo),
        ASK_TIMEOUT), answer -> {
          if (answer instanceof ApprovalAnswer.Done done) {
            return Responses.json(200, new Decided(done.approvalId(), done.jobId(), wire));
          }
          if (answer instanceof ApprovalAnswer.Refused refused) {
            return complete(Responses.error(409, "invalid_transition", refused.message()));
          }
          return complete(Responses.error(404, "not_found", "no job waits on approval '"
              + approvalId + "'"));
        });
  }
}
