package io.workmate.server.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code workmate diff ID}: what a job with a workspace changed, as a unified diff. */
@Command(name = "diff", mixinStandardHelpOptions = true,
    description = "Print the unified diff of a job's branch, from its base to the commit of its "
        + "changes (jobs submitted with --repo, once they succeeded).",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:unexpected answer from the service",
        "2:invalid arguments or configuration",
        "4:the service did not answer (is `workmate serve` running?)",
        "6:no such job, or it has no workspace", "7:its changes are not committed yet"})
public final class DiffCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "ID", description = "The job id (from submit or jobs).")
  String id;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    out().print(client.getText("/v1/jobs/" + pathSegment(id) + "/diff", "text/x-diff"));
    out().flush();
    return ClientExitCodes.OK;
  }
}
