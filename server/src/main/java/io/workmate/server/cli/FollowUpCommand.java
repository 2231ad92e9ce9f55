package io.workmate.server.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code workmate follow-up ID PROMPT}: a new job on a succeeded job's branch. */
@Command(name = "follow-up", mixinStandardHelpOptions = true,
    description = "Send a job's agent more work on the same branch (e.g. a reviewer's "
        + "comments), continuing its Codex thread; prints the new job's id.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:unexpected answer from the service",
        "2:invalid arguments or configuration",
        "4:the service did not answer (is `workmate serve` running?)", "6:no such job",
        "7:the job has no workspace, has not succeeded, or was followed up already"})
public final class FollowUpCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "ID", description = "The job to follow up.")
  String id;

  @Parameters(index = "1", paramLabel = "PROMPT", description = "The text for the agent.")
  String prompt;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    ObjectNode body = ServiceClient.json().createObjectNode().put("prompt", prompt);
    out().println(client.post("/v1/jobs/" + pathSegment(id) + "/follow-up", body).body()
        .path("id").asText());
    return ClientExitCodes.OK;
  }
}
