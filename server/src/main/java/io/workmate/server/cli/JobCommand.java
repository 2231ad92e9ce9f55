package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Iterator;
import java.util.Map;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code workmate job ID}: one job, as the service knows it. */
@Command(name = "job", mixinStandardHelpOptions = true,
    description = "Show one job of the running service: status, attempts, agent, result or error.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:unexpected answer from the service",
        "2:invalid arguments or configuration",
        "4:the service did not answer (is `workmate serve` running?)", "6:no such job"})
public final class JobCommand extends ClientCommand {

  @Parameters(index = "0", paramLabel = "ID", description = "The job id (from submit or jobs).")
  String id;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    print(out(), client.get("/v1/jobs/" + pathSegment(id)).body());
    return ClientExitCodes.OK;
  }

  /** {@code key: value} lines, the result text last. */
  static void print(java.io.PrintStream out, JsonNode job) {
    for (Iterator<Map.Entry<String, JsonNode>> fields = job.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getKey().equals("result") && !field.getValue().isNull()) {
        out.println(field.getKey() + ": " + (field.getValue().isContainerNode()
            ? field.getValue().toString() : field.getValue().asText()));
      }
    }
    if (job.has("result")) {
      out.println("result:");
      out.println(job.path("result").path("text").asText());
    }
  }
}
