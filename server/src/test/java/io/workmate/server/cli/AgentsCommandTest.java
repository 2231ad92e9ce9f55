package io.workmate.server.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.agents.AgentRegistration;
import io.workmate.testkit.H2TestJournal;
import io.workmate.agents.AgentKind;
import io.workmate.registry.AgentFactories;
import io.workmate.registry.AgentRegistry;
import io.workmate.server.http.AgentRoutes;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code workmate agents} against a real {@code /v1/agents} binding. */
class AgentsCommandTest {

  private static ActorTestKit testKit;
  private static ServerBinding binding;

  @TempDir static Path dir;

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeAll
  static void start() throws Exception {
    testKit = H2TestJournal.start("agents-command", dir.resolve("journal/workmate"));
    ActorRef<AgentRegistry.Command> registry = testKit.spawn(AgentRegistry.create(
        AgentFactories.standard().with(AgentKind.CODEX, registration -> Behaviors.ignore())));
    TestProbe<AgentRegistry.Reply> reply = testKit.createTestProbe();
    registry.tell(new AgentRegistry.Register(new AgentRegistration.Request("local-codex",
        "codex", List.of("code", "local"), 4, null, null, null, null, null), reply.ref()));
    reply.expectMessageClass(AgentRegistry.Reply.Registered.class);
    registry.tell(new AgentRegistry.Register(new AgentRegistration.Request("reviewer", "http",
        List.of("code", "review"), 2, null, "http://127.0.0.1:9/", null, null, 300L),
        reply.ref()));
    reply.expectMessageClass(AgentRegistry.Reply.Registered.class);
    binding = Http.get(testKit.system()).newServerAt("127.0.0.1", 0)
        .bind(new AgentRoutes(testKit.system(), registry).routes())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @AfterEach
  void restoreStreams() {
    CommonOptions.stdout = System.out;
    CommonOptions.stderr = System.err;
  }

  private int run(String... args) {
    CommonOptions.stdout = new PrintStream(out, true, StandardCharsets.UTF_8);
    CommonOptions.stderr = new PrintStream(err, true, StandardCharsets.UTF_8);
    String[] all = new String[args.length + 2];
    all[0] = "--data";
    all[1] = dir.resolve("data").toString();
    System.arraycopy(args, 0, all, 2, args.length);
    return new CommandLine(new AgentsCommand()).execute(all);
  }

  private String url() {
    return "http://127.0.0.1:" + binding.localAddress().getPort();
  }

  @Test
  void listsEveryAgentWithKindLimitExpiryAndCapabilities() {
    int exit = run("--url", url());

    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, printed + err);
    List<String> lines = printed.lines().toList();
    assertEquals(3, lines.size(), printed);
    assertTrue(lines.get(0).startsWith("ID"), printed);
    assertTrue(lines.get(1).matches("local-codex\\s+codex\\s+4\\s+never\\s+code,local"), printed);
    assertTrue(lines.get(2).matches("reviewer\\s+http\\s+2\\s+\\d{4}-\\S+Z\\s+code,review"),
        printed);
  }

  @Test
  void filtersByEveryGivenCapability() {
    int exit = run("--url", url(), "-c", "code", "-c", "review");

    String printed = out.toString(StandardCharsets.UTF_8);
    assertEquals(0, exit, printed + err);
    assertEquals(2, printed.lines().count(), printed);
    assertTrue(printed.contains("reviewer") && !printed.contains("local-codex"), printed);
  }

  @Test
  void aBadCapabilityIsAUsageError() {
    assertEquals(2, run("--url", url(), "-c", "Not Valid"));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("invalid capability"));
  }

  @Test
  void noServiceSaysSoWithExit4() throws Exception {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1,
        java.net.InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }
    assertEquals(4, run("--url", "http://127.0.0.1:" + closedPort));
    assertTrue(err.toString(StandardCharsets.UTF_8).contains("is `workmate serve` running?"),
        err.toString(StandardCharsets.UTF_8));
  }
}
