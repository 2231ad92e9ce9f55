package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code workmate merge ID --into BRANCH [--squash]}: a job's branch into another branch. */
@Command(name = "merge", mixinStandardHelpOptions = true,
    description = "Merge a succeeded job's branch into a branch of its repository, touching no "
        + "working tree; prints the target's new commit.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:unexpected answer from the service",
        "2:invalid arguments or configuration (no such branch)",
        "4:the service did not answer (is `workmate serve` running?)", "6:no such job",
        "7:conflicts (the files are named), the branch is checked out, or the job has not "
            + "succeeded: nothing was changed"})
public final class MergeCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "ID", description = "The job whose branch to merge.")
  String id;

  @Option(names = "--into", paramLabel = "BRANCH", required = true,
      description = "The branch to merge into.")
  String into;

  @Option(names = "--squash", description = "One commit on top of the branch instead of a "
      + "merge (or fast-forward).")
  boolean squash;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    ObjectNode body = ServiceClient.json().createObjectNode().put("into", into)
        .put("strategy", squash ? "squash" : "merge");
    JsonNode merged = client.post("/v1/jobs/" + pathSegment(id) + "/merge", body).body();
    out().println(merged.path("commit").asText() + " (" + merged.path("strategy").asText()
        + ")");
    return ClientExitCodes.OK;
  }
}
