package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import io.workmate.agents.AgentProfile;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code workmate agents [--capability C]...}: list the running service's registered agents. */
@Command(name = "agents", mixinStandardHelpOptions = true,
    description = "List the agents registered with the running service.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:unexpected answer from the service",
        "2:invalid arguments or configuration, or the service refused the request",
        "4:the service did not answer (is `workmate serve` running?)"})
public final class AgentsCommand extends ClientCommand {

  @Option(names = {"-c", "--capability"}, paramLabel = "CAPABILITY",
      description = "Only agents offering this capability; repeat to require several.")
  List<String> capabilities = new ArrayList<>();

  @Option(names = "--json", description = "Print the service's JSON as it is.")
  boolean raw;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    StringBuilder query = new StringBuilder();
    for (String capability : capabilities) {
      if (!AgentProfile.VALID_CAPABILITY.matcher(capability).matches()) {
        throw new ServiceClient.Failure(ClientExitCodes.USAGE, "invalid capability '"
            + capability + "': use 1-64 of a-z, 0-9, '.', '_', ':', '-', starting with a "
            + "letter or digit");
      }
      query.append(query.length() == 0 ? "?" : "&").append("capability=")
          .append(URLEncoder.encode(capability, StandardCharsets.UTF_8));
    }
    JsonNode body = client.get("/v1/agents" + query).body();
    if (raw) {
      out().println(body.toPrettyString());
      return ClientExitCodes.OK;
    }
    JsonNode agents = body.path("agents");
    if (agents.isEmpty()) {
      out().println(capabilities.isEmpty() ? "no agents registered"
          : "no agent offers " + String.join(" + ", capabilities));
      return ClientExitCodes.OK;
    }
    String format = "%-24s %-8s %-4s %-24s %s%n";
    out().printf(format, "ID", "KIND", "MAX", "EXPIRES", "CAPABILITIES");
    for (JsonNode agent : agents) {
      List<String> offered = new ArrayList<>();
      agent.path("capabilities").forEach(c -> offered.add(c.asText()));
      String expires = agent.path("expiresAt").isNull() ? "never"
          : agent.path("expiresAt").asText();
      out().printf(format, agent.path("id").asText(), agent.path("kind").asText(),
          agent.path("maxConcurrent").asText(), expires,
          offered.isEmpty() ? "-" : String.join(",", offered));
    }
    return ClientExitCodes.OK;
  }
}
