package io.workmate.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code workmate status}: readiness, mode, draining, queue depth and running jobs. */
@Command(name = "status", mixinStandardHelpOptions = true,
    description = "Show how the running service is: ready or why not, the mode, whether it is "
        + "draining to stop, queue depth and running jobs.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:the service is ready", "1:unexpected answer from the service",
        "2:invalid arguments or configuration",
        "3:the service answers but is not ready (starting, draining, journal down)",
        "4:the service did not answer (is `workmate serve` running?)"})
public final class StatusCommand extends ClientCommand {

  /** The service answers but does not take jobs now. */
  static final int NOT_READY = 3;

  @Option(names = "--json", description = "Print the service's answer as JSON.")
  boolean json;

  @Override
  int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException {
    JsonNode status = client.get("/v1/status").body();
    if (json) {
      out().println(status.toPrettyString());
    } else {
      out().println(describe(status));
    }
    return status.path("ready").asBoolean() ? ClientExitCodes.OK : NOT_READY;
  }

  static String describe(JsonNode status) {
    StringBuilder text = new StringBuilder();
    text.append("ready:     ").append(status.path("ready").asBoolean() ? "yes"
        : "no (" + status.path("reason").asText("unknown") + ")").append('\n');
    JsonNode mode = status.path("mode");
    text.append("mode:      ").append(mode.isMissingNode() ? "unknown (the runtime did not answer)"
        : mode.path("effective").asText() + (mode.path("effective").asText()
            .equals(mode.path("requested").asText()) ? ""
            : " (requested " + mode.path("requested").asText() + ")")).append('\n');
    text.append("draining:  ").append(status.path("draining").asBoolean()
        ? "yes, since " + status.path("drainingSince").asText() : "no").append('\n');
    text.append("queued:    ").append(status.path("queued").asText("unknown"));
    JsonNode byPriority = status.path("queuedByPriority");
    if (byPriority.size() > 0) {
      text.append(" (by priority: ");
      var fields = byPriority.fields();
      boolean first = true;
      while (fields.hasNext()) {
        var entry = fields.next();
        text.append(first ? "" : ", ").append(entry.getKey()).append(": ")
            .append(entry.getValue().asInt());
        first = false;
      }
      text.append(')');
    }
    text.append('\n');
    text.append("running:   ").append(status.path("running").asText("unknown")).append('\n');
    text.append("journal:   ").append(status.path("journal").asText());
    return text.toString();
  }
}
