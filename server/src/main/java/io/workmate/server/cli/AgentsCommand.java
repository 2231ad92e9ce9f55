package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.agents.AgentProfile;
import io.workmate.server.config.WorkmateSettings;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code workmate agents [--capability C]...}: list the running service's registered agents. */
@Command(name = "agents", mixinStandardHelpOptions = true,
    description = "List the agents registered with the running service.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "1:the service refused the request",
        "2:invalid arguments or configuration",
        "4:the service did not answer (is `workmate serve` running?)"})
public final class AgentsCommand extends CommonOptions implements Callable<Integer> {

  static final int SERVICE_UNREACHABLE = 4;

  @Option(names = {"-c", "--capability"}, paramLabel = "CAPABILITY",
      description = "Only agents offering this capability; repeat to require several.")
  List<String> capabilities = new ArrayList<>();

  @Option(names = "--json", description = "Print the service's JSON as it is.")
  boolean raw;

  @Option(names = "--url", paramLabel = "URL",
      description = "The service (default: http://<workmate.http.host>:<workmate.http.port>).")
  URI url;

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public Integer call() throws InterruptedException {
    for (String capability : capabilities) {
      if (!AgentProfile.VALID_CAPABILITY.matcher(capability).matches()) {
        return usageError("invalid capability '" + capability
            + "': use 1-64 of a-z, 0-9, '.', '_', ':', '-', starting with a letter or digit");
      }
    }
    WorkmateSettings.Http http = settings().http();
    URI base = url != null ? url : URI.create("http://" + http.host() + ":" + http.port());
    StringBuilder query = new StringBuilder();
    for (String capability : capabilities) {
      query.append(query.length() == 0 ? "?" : "&").append("capability=")
          .append(URLEncoder.encode(capability, StandardCharsets.UTF_8));
    }
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/agents" + query))
        .timeout(Duration.ofSeconds(15)).GET();
    if (!http.token().isEmpty()) {
      request.header("Authorization", "Bearer " + http.token().reveal());
    }
    HttpResponse<String> response;
    try {
      response = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build()
          .send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      err().println("workmate: no answer from " + base + " (" + e.getMessage()
          + "); is `workmate serve` running?");
      return SERVICE_UNREACHABLE;
    }
    return print(response);
  }

  private int print(HttpResponse<String> response) {
    JsonNode body;
    try {
      body = json.readTree(response.body());
    } catch (IOException e) {
      err().println("workmate: the service answered " + response.statusCode()
          + " with something that is not JSON");
      return 1;
    }
    if (response.statusCode() != 200) {
      err().println("workmate: " + body.path("error").path("message").asText(response.body()));
      return response.statusCode() == 401 || response.statusCode() == 400 ? USAGE : 1;
    }
    if (raw) {
      out().println(body.toPrettyString());
      return OK;
    }
    JsonNode agents = body.path("agents");
    if (agents.isEmpty()) {
      out().println(capabilities.isEmpty() ? "no agents registered"
          : "no agent offers " + String.join(" + ", capabilities));
      return OK;
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
    return OK;
  }
}
