package io.workmate.server.http;

import static io.workmate.server.http.Endpoint.endpoint;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.protocol.codex.ApprovalDecision;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/** {@code /v1/approvals}: what running jobs wait on, and the answers to it. */
final class ApprovalRoutes extends AllDirectives {

  private static final Duration ASK_TIMEOUT = Duration.ofSeconds(10);
  /** Decisions a reviewer may send over HTTP. */
  static final List<String> DECISIONS = List.of("accept", "decline", "cancel");
  private static final Pattern APPROVAL_ID = Pattern.compile("[A-Za-z0-9_.:-]{1,200}");

  private final ActorSystem<?> system;
  private final ActorRef<JobDispatcher.Command> dispatcher;

  ApprovalRoutes(ActorSystem<?> system, ActorRef<JobDispatcher.Command> dispatcher) {
    this.system = system;
    this.dispatcher = dispatcher;
  }

  List<Endpoint> endpoints() {
    return List.of(
        endpoint("GET", "/v1/approvals", "Approvals that running jobs wait on, oldest first")
            .responds(200, "{\"approvals\": [{\"id\", \"jobId\", \"attempt\", \"kind\", "
                + "\"summary\", ...}]}")
            .handle(ids -> onSuccess(Asks.<JobDispatcher.Command, List<JobDispatcher.JobApproval>>
                    ask(system, dispatcher, JobDispatcher.ListApprovals::new, ASK_TIMEOUT),
                approvals -> complete(Responses.json(200, JobJson.approvals(approvals))))),
        endpoint("POST", "/v1/approvals/{id}", "Answer an approval")
            .body(OpenApi.decisionSchema())
            .responds(200, "{\"approvalId\", \"jobId\", \"decision\"}")
            .responds(400, "malformed body or unknown decision")
            .responds(404, "no job waits on this approval")
            .responds(409, "the turn ended before the answer reached it")
            .handle(ids -> entity(Unmarshaller.entityToString(),
                body -> decide(ids.get(0), body))));
  }

  private Route decide(String approvalId, String body) {
    JsonNode request = RequestBodies.parseObject(body);
    RequestBodies.allowOnly(request, Set.of("decision"));
    String wire = RequestBodies.requiredText(request, "decision");
    if (!DECISIONS.contains(wire)) {
      throw new ApiError(400, "invalid_value", "\"decision\" must be one of "
          + String.join(", ", DECISIONS) + ", not '" + wire + "'");
    }
    ApprovalDecision decision = ApprovalDecision.parse(wire);
    if (!APPROVAL_ID.matcher(approvalId).matches()) {
      return complete(Responses.error(404, "not_found", "no approval '" + approvalId + "'"));
    }
    return onSuccess(Asks.<JobDispatcher.Command, JobDispatcher.ApprovalAnswer>ask(system,
        dispatcher, replyTo -> new JobDispatcher.DecideApproval(approvalId, decision, replyTo),
        ASK_TIMEOUT), answer -> {
          if (answer instanceof JobDispatcher.ApprovalAnswer.Done done) {
            ObjectNode node = Responses.JSON.createObjectNode();
            node.put("approvalId", done.approvalId());
            node.put("jobId", done.jobId());
            node.put("decision", wire);
            return complete(Responses.json(200, node));
          }
          if (answer instanceof JobDispatcher.ApprovalAnswer.Refused refused) {
            return complete(Responses.error(409, "invalid_transition", refused.message()));
          }
          return complete(Responses.error(404, "not_found", "no job waits on approval '"
              + approvalId + "'"));
        });
  }
}
