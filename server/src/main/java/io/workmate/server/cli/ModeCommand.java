package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.workmate.runtime.Mode;
import io.workmate.server.config.WorkmateSettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code workmate mode [auto|local|remote|offline]}: show or set the running service's mode. */
@Command(name = "mode", mixinStandardHelpOptions = true,
    description = "Show the running service's mode, or request another one.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:done", "2:invalid arguments or configuration",
        "4:the service did not answer (is `workmate serve` running?)"})
public final class ModeCommand extends CommonOptions implements Callable<Integer> {

  static final int SERVICE_UNREACHABLE = 4;

  @Parameters(index = "0", arity = "0..1", paramLabel = "MODE",
      description = "auto | local | remote | offline; omit to show the current mode.")
  String mode;

  @Option(names = "--url", paramLabel = "URL",
      description = "The service (default: http://<workmate.http.host>:<workmate.http.port>).")
  URI url;

  private final ObjectMapper json = new ObjectMapper();

  @Override
  public Integer call() throws InterruptedException {
    if (mode != null) {
      try {
        mode = Mode.parse(mode).wire();
      } catch (IllegalArgumentException e) {
        return usageError(e.getMessage());
      }
    }
    WorkmateSettings.Http http = settings().http();
    URI base = url != null ? url : URI.create("http://" + http.host() + ":" + http.port());
    HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve("/v1/mode"))
        .timeout(Duration.ofSeconds(15)).header("Content-Type", "application/json");
    if (!http.token().isEmpty()) {
      request.header("Authorization", "Bearer " + http.token().reveal());
    }
    if (mode != null) {
      request.PUT(HttpRequest.BodyPublishers.ofString("{\"mode\":\"" + mode + "\"}"));
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
      return response.statusCode() == 401 ? USAGE : 1;
    }
    out().println("mode: " + body.path("effective").asText() + " (requested "
        + body.path("requested").asText() + ") - " + body.path("state").asText());
    StringBuilder capabilities = new StringBuilder();
    body.path("capabilities").forEach(c -> capabilities.append(capabilities.length() == 0
        ? "" : ", ").append(c.asText()));
    out().println("capabilities: " + (capabilities.length() == 0 ? "none" : capabilities));
    for (JsonNode gateway : body.path("gateways")) {
      out().println("gateway " + gateway.path("name").asText() + " " + gateway.path("url")
          .asText() + ": " + gateway.path("state").asText() + " (" + gateway.path("detail")
          .asText() + ")");
    }
    return OK;
  }
}
