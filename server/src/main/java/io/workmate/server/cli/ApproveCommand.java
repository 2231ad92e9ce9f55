package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code workmate approve ID accept|decline|cancel}: answer an approval a job waits on. */
@Command(name = "approve", mixinStandardHelpOptions = true,
    description = "Answer an approval a running job waits on (ids: `submit --wait` prints them, "
        + "GET /v1/approvals lists them).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:answered", "1:unexpected answer from the service",
        "2:invalid arguments or configuration",
        "4:the service did not answer (is `workmate serve` running?)",
        "6:no job waits on this approval", "7:the turn ended before the answer reached it"})
public final class ApproveCommand extends ClientCommand {

  private static final List<String> DECISIONS = List.of("accept", "decline", "cancel");

  @Parameters(index = "0", paramLabel = "ID", description = "The approval id.")
  String id;

  @Parameters(index = "1", paramLabel = "DECISION", description = "accept | decline | cancel "
      + "(cancel also ends the turn).")
  String decision;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    if (!DECISIONS.contains(decision)) {
      throw new ServiceClient.Failure(ClientExitCodes.USAGE, "the decision must be one of "
          + String.join(", ", DECISIONS) + ", not '" + decision + "'");
    }
    ObjectNode body = ServiceClient.json().createObjectNode().put("decision", decision);
    JsonNode answer = client.post("/v1/approvals/" + pathSegment(id), body).body();
    out().println("approval " + answer.path("approvalId").asText() + " of job "
        + answer.path("jobId").asText() + ": " + answer.path("decision").asText());
    return ClientExitCodes.OK;
  }
}
