package io.workmate.server.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigFactory;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.workmate.jobs.dispatch.JobDispatcher;
import io.workmate.runtime.RuntimeSupervisor;
import io.workmate.server.config.Secret;
import io.workmate.server.config.WorkmateSettings;
import io.workmate.server.service.DrainSignal;
import io.workmate.server.service.JournalHealth;
import io.workmate.server.service.ServiceControl;
import io.workmate.server.service.ServiceDrain;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Who may stop the service over HTTP: with a token, only a caller presenting it; without one,
 * only loopback. The drain actor is a probe, so an accepted request is seen as its {@code Begin}.
 */
class AdminDrainRouteTest {

  private static final String TOKEN = "admin-test-token";
  private static final HttpClient client = HttpClient.newHttpClient();
  private static ActorTestKit testKit;
  private static TestProbe<ServiceDrain.Command> drain;
  private static ServerBinding guarded;
  private static ServerBinding open;

  @BeforeAll
  static void start() throws Exception {
    // as serve's pekko.conf has it: without the attribute no caller counts as loopback
    testKit = ActorTestKit.create(ConfigFactory.parseString(
        "pekko.http.server.remote-address-attribute = on").withFallback(ConfigFactory.load()));
    drain = testKit.createTestProbe();
    TestProbe<JobDispatcher.Command> dispatcher = testKit.createTestProbe();
    TestProbe<RuntimeSupervisor.Command> runtime = testKit.createTestProbe();
    HttpApi.Jobs jobs = new HttpApi.Jobs(dispatcher.getRef(), 3, 600,
        new PrometheusMeterRegistry(PrometheusConfig.DEFAULT),
        () -> new JournalHealth.State("h2", true, "ok", Instant.now()));
    ServiceControl control = new ServiceControl(new DrainSignal(),
        CompletableFuture.completedFuture(drain.getRef()),
        new WorkmateSettings.Service(Duration.ofSeconds(60), Duration.ofSeconds(5), false));
    guarded = bind(new HttpApi(testKit.system(), runtime.getRef(), new Secret(TOKEN),
        Optional.of(jobs), Optional.empty(), Optional.empty(), Optional.of(control)));
    open = bind(new HttpApi(testKit.system(), runtime.getRef(), new Secret(""),
        Optional.of(jobs), Optional.empty(), Optional.empty(), Optional.of(control)));
  }

  private static ServerBinding bind(HttpApi api) throws Exception {
    return Http.get(testKit.system()).newServerAt("127.0.0.1", 0).bind(api.routes())
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @AfterAll
  static void stop() {
    testKit.shutdownTestKit();
  }

  private static HttpResponse<String> drainCall(ServerBinding binding, String body,
      String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
            + binding.localAddress().getPort() + "/v1/admin/drain"))
        .timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void withATokenConfiguredADrainWithoutItIsRefusedAndWithItAccepted() throws Exception {
    HttpResponse<String> anonymous = drainCall(guarded, "{}");
    assertEquals(401, anonymous.statusCode(), anonymous.body());
    drain.expectNoMessage(Duration.ofMillis(200));

    HttpResponse<String> wrong = drainCall(guarded, "{}", "Authorization", "Bearer nope");
    assertEquals(401, wrong.statusCode(), wrong.body());

    HttpResponse<String> accepted = drainCall(guarded, "{\"reason\": \"upgrade\"}",
        "Authorization", "Bearer " + TOKEN);
    assertEquals(202, accepted.statusCode(), accepted.body());
    assertTrue(accepted.body().contains("\"drainTimeoutSeconds\":60"), accepted.body());
    drain.expectMessageClass(ServiceDrain.Begin.class);
  }

  @Test
  void withoutATokenLoopbackMayDrainAndBadBodiesAreRefusedNamingTheField() throws Exception {
    HttpResponse<String> unknown = drainCall(open, "{\"force\": true}");
    assertEquals(400, unknown.statusCode(), unknown.body());
    assertTrue(unknown.body().contains("force"), unknown.body());
    HttpResponse<String> notText = drainCall(open, "{\"reason\": 5}");
    assertEquals(400, notText.statusCode(), notText.body());
    assertTrue(notText.body().contains("reason"), notText.body());
    drain.expectNoMessage(Duration.ofMillis(200));

    assertEquals(202, drainCall(open, "").statusCode());
    drain.expectMessageClass(ServiceDrain.Begin.class);
  }

  @Test
  void onlyALoopbackConnectionCountsAsLoopback() throws Exception {
    assertTrue(AdminRoutes.fromLoopback(Optional.of(
        RemoteAddress.create(InetAddress.getByName("127.0.0.1")))));
    assertTrue(AdminRoutes.fromLoopback(Optional.of(
        RemoteAddress.create(InetAddress.getByName("::1")))));
    assertFalse(AdminRoutes.fromLoopback(Optional.of(
        RemoteAddress.create(InetAddress.getByName("192.0.2.7")))));
    // no address known (the attribute is off): refused, never assumed local
    assertFalse(AdminRoutes.fromLoopback(Optional.empty()));
  }
}
