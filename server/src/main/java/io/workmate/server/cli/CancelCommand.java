package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code workmate cancel ID}: cancel a job; a running one is interrupted. */
@Command(name = "cancel", mixinStandardHelpOptions = true,
    description = "Cancel a job of the running service (a running turn is interrupted).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:cancelled", "1:unexpected answer from the service",
        "2:invalid arguments or configuration",
        "4:the service did not answer (is `workmate serve` running?)", "6:no such job",
        "7:the job already finished"})
public final class CancelCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "ID", description = "The job id.")
  String id;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    JsonNode job = client.post("/v1/jobs/" + pathSegment(id) + "/cancel",
        ServiceClient.json().createObjectNode()).body();
    out().println(job.path("id").asText() + ": " + job.path("status").asText());
    return ClientExitCodes.OK;
  }
}
