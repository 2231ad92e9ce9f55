package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code workmate jobs}: a page of the service's jobs, oldest first. */
@Command(name = "jobs", mixinStandardHelpOptions = true,
    description = "List the running service's jobs, oldest first.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:unexpected answer from the service",
        "2:invalid arguments or configuration, or the service refused the request",
        "4:the service did not answer (is `workmate serve` running?)"})
public final class JobsCommand extends ClientCommand {

  @Option(names = "--status", paramLabel = "S", description = "Only jobs in this status: queued, "
      + "running, waiting_approval, failed, succeeded, cancelled, dead.")
  String status;

  @Option(names = "--limit", paramLabel = "N", description = "At most N (1..1000, default 50).")
  Integer limit;

  @Option(names = "--after", paramLabel = "ID", description = "Start after this job (the "
      + "\"next\" the previous page printed).")
  String after;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    StringBuilder query = new StringBuilder();
    append(query, "status", status);
    append(query, "limit", limit == null ? null : limit.toString());
    append(query, "after", after);
    JsonNode page = client.get("/v1/jobs" + query).body();
    out().printf("%-36s %-16s %8s %8s %-10s %s%n", "ID", "STATUS", "ATTEMPTS", "PRIORITY",
        "AGENT", "UPDATED");
    for (JsonNode job : page.path("jobs")) {
      out().printf("%-36s %-16s %8d %8d %-10s %s%n", job.path("id").asText(),
          job.path("status").asText(), job.path("attempts").asInt(),
          job.path("priority").asInt(), job.path("agent").asText("-"),
          job.path("updatedAt").asText());
    }
    if (!page.path("next").isNull() && !page.path("next").isMissingNode()) {
      out().println("more: workmate jobs --after " + page.path("next").asText());
    }
    return ClientExitCodes.OK;
  }

  private static void append(StringBuilder query, String name, String value) {
    if (value != null) {
      query.append(query.length() == 0 ? '?' : '&').append(name).append('=')
          .append(URLEncoder.encode(value, StandardCharsets.UTF_8));
    }
  }
}
