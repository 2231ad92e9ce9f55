package io.workmate.server.cli;

import io.workmate.protocol.responses.ScriptedProvider;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code workmate scripted-provider}: the offline model, on its own, for codex or OpenClaw. */
@Command(name = "scripted-provider", mixinStandardHelpOptions = true,
    description = {"Serve the scripted OpenAI Responses-API model on loopback until stopped.",
        "Point an OpenAI-compatible client at the printed base URL. Prompts steer it with "
            + "directives such as [[reply:TEXT]], [[exec:CMD]], [[patch:PATH:CONTENT]], "
            + "[[http:500]], [[stall]], [[recall]], [[delay:MS]], [[chunks:N]]."})
public final class ScriptedProviderCommand extends CommonOptions implements Callable<Integer> {

  @Option(names = "--port", paramLabel = "N",
      description = "Port to listen on (default: workmate.scripted-provider.port; 0 = any).")
  Integer port;

  @Option(names = "--host", paramLabel = "HOST",
      description = "Address to bind (default: 127.0.0.1).")
  String host;

  @Override
  public Integer call() throws InterruptedException {
    String bindHost = host != null ? host : settings().scriptedProviderHost();
    int bindPort = port != null ? port : settings().scriptedProviderPort();
    if (bindPort < 0 || bindPort > 65535) {
      return usageError("--port must be within 0..65535, got " + bindPort);
    }
    ScriptedProvider provider;
    try {
      provider = ScriptedProvider.start(bindHost, bindPort);
    } catch (RuntimeException e) {
      err().println("workmate: cannot listen on " + bindHost + ":" + bindPort + ": "
          + e.getMessage());
      return 1;
    }
    CountDownLatch stopped = new CountDownLatch(1);
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      provider.close();
      stopped.countDown();
    }, "scripted-provider-stop"));
    out().println("Scripted provider listening on " + provider.baseUrl()
        + " (POST /responses); stop with Ctrl-C");
    out().flush();
    stopped.await();
    return OK;
  }
}
