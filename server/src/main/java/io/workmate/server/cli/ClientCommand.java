package io.workmate.server.cli;

import io.workmate.server.config.WorkmateSettings;
import java.net.URI;
import java.util.concurrent.Callable;
import picocli.CommandLine.Option;

/** A command that talks to the running service over HTTP ({@code --url}, WORKMATE_API_TOKEN). */
abstract class ClientCommand extends CommonOptions implements Callable<Integer> {

  @Option(names = "--url", paramLabel = "URL",
      description = "The service (default: http://<workmate.http.host>:<workmate.http.port>).")
  URI url;

  @Override
  public final Integer call() throws InterruptedException {
    WorkmateSettings.Http http = settings().http();
    URI base = url != null ? url : URI.create("http://" + http.host() + ":" + http.port());
    if (base.getScheme() == null || base.getHost() == null
        || !(base.getScheme().equals("http") || base.getScheme().equals("https"))) {
      return usageError("--url must be an http(s) URL such as http://127.0.0.1:8420, not '"
          + base + "'");
    }
    try {
      return run(new ServiceClient(base, http.token()));
    } catch (ServiceClient.Failure failure) {
      err().println("workmate: " + failure.getMessage());
      return failure.exitCode;
    }
  }

  abstract int run(ServiceClient client) throws ServiceClient.Failure, InterruptedException;

  /** Job ids in a path: the service accepts letters, digits, '-' and '_' only. */
  static String pathSegment(String id) throws ServiceClient.Failure {
    if (!id.matches("[A-Za-z0-9_.:-]{1,200}")) {
      throw new ServiceClient.Failure(ClientExitCodes.USAGE, "'" + id + "' is not an id");
    }
    return id;
  }
}
