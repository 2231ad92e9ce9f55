package io.workmate.server.lifecycle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.FileInputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Cluster mode of real {@code bin/workmate serve} processes on one private PostgreSQL (shared by
 * every case): two nodes form a cluster and are both ready, over TCP and over TLS with stores
 * made by the JDK's {@code keytool}; a node leaves on SIGTERM; and the three ways start-up is
 * refused: seed nodes nobody answers (exit 2), a cluster port in use (exit 1), and the embedded
 * H2 journal (exit 2), each with one line.
 */
class ClusterStartupIT {

  private static final String SCRIPTED_PROVIDER_NOTICE = "workmate: no AI gateway configured";
  private static final Duration READY_WITHIN = Duration.ofSeconds(60);

  /** Not a JUnit temp dir: the server's user must reach it, and JUnit's are owner-only. */
  private static Path tmp;
  private static PrivatePostgres postgres;

  @BeforeAll
  static void startPostgres() throws Exception {
    tmp = Files.createTempDirectory("workmate-cluster-it",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwxr-xr-x")));
    postgres = PrivatePostgres.start(tmp);
  }

  @AfterAll
  static void stopPostgres() throws Exception {
    try {
      if (postgres != null) {
        postgres.close();
      }
    } finally {
      try (var tree = Files.walk(tmp)) {
        tree.sorted(Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
      }
    }
  }

  @Test
  void twoNodesOnOnePostgresFormAClusterAndANodeLeavesOnSigterm() throws Exception {
    int seedPort = freePort();
    String seed = "127.0.0.1:" + seedPort;
    int managementPort = freePort();
    Map<String, String> firstNode = node("node-a", seedPort, seed);
    firstNode.put("WORKMATE_CLUSTER_MANAGEMENT_PORT", Integer.toString(managementPort));
    try (ServeProcess first = ServeProcess.start(tmp, "tcp-a", tmp.resolve("tcp-a"),
            firstNode);
        ServeProcess second = ServeProcess.start(tmp, "tcp-b", tmp.resolve("tcp-b"),
            node("node-b", 0, seed))) {
      assertTrue(first.output().contains("journal: postgres, cluster: node-a at " + seed + ")"),
          first.output());
      assertTrue(second.output().contains("cluster: node-b at 127.0.0.1:"), second.output());
      assertFalse(second.output().contains("at 127.0.0.1:0)"), "the port it got, not 0");
      awaitReady(first);
      awaitReady(second);
      // Pekko Management on node-a: both members Up, read-only
      JsonNode members = ServeProcess.JSON.readTree(HttpClient.newHttpClient().send(
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + managementPort
              + "/cluster/members")).build(), HttpResponse.BodyHandlers.ofString()).body());
      List<String> up = new ArrayList<>();
      members.path("members").forEach(member -> up.add(member.path("node").asText() + " "
          + member.path("status").asText()));
      assertTrue(up.contains("pekko://workmate@" + seed + " Up"), members.toString());
      assertEquals(2, up.stream().filter(member -> member.endsWith(" Up")).count(),
          members.toString());
      HttpResponse<String> down = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
          URI.create("http://127.0.0.1:" + managementPort + "/cluster/members/pekko://workmate@"
              + seed)).method("PUT", HttpRequest.BodyPublishers.ofString("operation=Down"))
          .header("Content-Type", "application/x-www-form-urlencoded").build(),
          HttpResponse.BodyHandlers.ofString());
      assertTrue(down.statusCode() >= 400, "no down over HTTP: " + down.statusCode());

      second.signal("TERM");
      assertEquals(0, second.awaitExit(Duration.ofSeconds(30)), second.output());
      assertTrue(second.output().contains("Workmate stopped: drained"), second.output());
      assertEquals(200, first.call("GET", "/v1/ready", null).statusCode(),
          "the other node serves on");
    }
  }

  @Test
  void twoNodesFormAClusterOverTlsWithStoresMadeByKeytool() throws Exception {
    Path stores = Files.createDirectories(tmp.resolve("tls"));
    String password = "it-store-password";
    for (String name : List.of("node-a", "node-b")) {
      keytool("-genkeypair", "-alias", name, "-keyalg", "RSA", "-keysize", "2048", "-validity",
          "2", "-dname", "CN=" + name, "-storetype", "PKCS12", "-keystore",
          stores.resolve(name + ".p12").toString(), "-storepass", password);
      keytool("-exportcert", "-alias", name, "-keystore", stores.resolve(name + ".p12")
          .toString(), "-storepass", password, "-file", stores.resolve(name + ".crt").toString());
      keytool("-importcert", "-noprompt", "-alias", name, "-file",
          stores.resolve(name + ".crt").toString(), "-storetype", "PKCS12", "-keystore",
          stores.resolve("trust.p12").toString(), "-storepass", password);
    }
    int seedPort = freePort();
    String seed = "127.0.0.1:" + seedPort;
    try (ServeProcess first = ServeProcess.start(tmp, "tls-a", tmp.resolve("tls-a"),
            tls(node("node-a", seedPort, seed), stores, "node-a", password));
        ServeProcess second = ServeProcess.start(tmp, "tls-b", tmp.resolve("tls-b"),
            tls(node("node-b", 0, seed), stores, "node-b", password))) {
      awaitReady(first);
      awaitReady(second);
      assertEquals("CN=node-a", tlsPeer(seedPort, stores.resolve("node-b.p12"),
          stores.resolve("trust.p12"), password), "the cluster port speaks TLS");
      assertFalse(Files.readString(tmp.resolve("serve-tls-a.err")).contains(password),
          "no password in the log");
    }
  }

  @Test
  void seedNodesThatNobodyAnswersEndStartUpAfterTheJoinTimeout() throws Exception {
    int nobody = freePort();
    Map<String, String> env = node("lost", 0, "127.0.0.1:" + nobody);
    env.put("WORKMATE_CLUSTER_JOIN_TIMEOUT", "3s");

    ServeProcess.Exited exited = ServeProcess.runToExit(tmp, "lost", tmp.resolve("lost"), env,
        Duration.ofSeconds(60));

    assertEquals(2, exited.exit(), exited.err());
    assertEquals(List.of("workmate: could not join the cluster within 3s; tried seed nodes "
        + "127.0.0.1:" + nobody + " (workmate.cluster.seed-nodes)"), ownLines(exited));
    assertEquals("", exited.out(), "no banner: it never served");
  }

  @Test
  void aClusterPortInUseEndsStartUpWithExit1() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = taken.getLocalPort();

      ServeProcess.Exited exited = ServeProcess.runToExit(tmp, "taken", tmp.resolve("taken"),
          node("taken", port, ""), Duration.ofSeconds(60));

      assertEquals(1, exited.exit(), exited.err());
      List<String> lines = ownLines(exited);
      assertEquals(1, lines.size(), exited.err());
      assertTrue(lines.get(0).startsWith("workmate: cannot bind the cluster port 127.0.0.1:"
          + port + ": ") && lines.get(0).contains("Address already in use"), lines.get(0));
    }
  }

  @Test
  void clusterModeOnTheEmbeddedH2JournalIsRefusedBeforeAnythingStarts() throws Exception {
    Path data = tmp.resolve("h2");
    ServeProcess.Exited exited = ServeProcess.runToExit(tmp, "h2", data,
        Map.of("WORKMATE_CLUSTER_ENABLED", "on"), Duration.ofSeconds(60));

    assertEquals(2, exited.exit(), exited.err());
    assertEquals(List.of("workmate: cluster mode needs a PostgreSQL journal shared by the nodes "
        + "(workmate.journal.kind = postgres); the embedded H2 journal serves one process"),
        exited.err().lines().toList());
    assertFalse(Files.exists(data.resolve("journal")), "no journal was opened");
  }

  // ---- helpers ----

  /** A cluster node on the shared PostgreSQL with the echo agent; port 0 = any free one. */
  private static Map<String, String> node(String name, int port, String seeds) {
    Map<String, String> env = new LinkedHashMap<>(postgres.journal());
    env.put("WORKMATE_JOBS_ECHO_AGENT", "on");
    env.put("WORKMATE_CLUSTER_ENABLED", "on");
    env.put("WORKMATE_CLUSTER_NODE_NAME", name);
    env.put("WORKMATE_CLUSTER_PORT", Integer.toString(port));
    env.put("WORKMATE_CLUSTER_SEED_NODES", seeds);
    return env;
  }

  private static Map<String, String> tls(Map<String, String> env, Path stores, String name,
      String password) {
    env.put("WORKMATE_CLUSTER_TLS_ENABLED", "on");
    env.put("WORKMATE_CLUSTER_TLS_KEY_STORE", stores.resolve(name + ".p12").toString());
    env.put("WORKMATE_CLUSTER_TLS_KEY_STORE_PASSWORD", password);
    env.put("WORKMATE_CLUSTER_TLS_TRUST_STORE", stores.resolve("trust.p12").toString());
    env.put("WORKMATE_CLUSTER_TLS_TRUST_STORE_PASSWORD", password);
    return env;
  }

  private static void awaitReady(ServeProcess node) {
    await().atMost(READY_WITHIN).pollInterval(Duration.ofMillis(200))
        .untilAsserted(() -> assertEquals(200,
            node.call("GET", "/v1/ready", null).statusCode(), node.output()));
  }

  /** What serve said itself on stderr, without the scripted provider's notice. */
  private static List<String> ownLines(ServeProcess.Exited exited) {
    return exited.workmateLines().stream()
        .filter(line -> !line.startsWith(SCRIPTED_PROVIDER_NOTICE)).toList();
  }

  /** A port free a moment ago; serve binds it soon after, on loopback only. */
  private static int freePort() throws Exception {
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }

  private static void keytool(String... args) throws Exception {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    command.addAll(List.of(args));
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    String output = new String(process.getInputStream().readAllBytes());
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      fail("keytool " + String.join(" ", args).replaceAll("-storepass \\S+", "-storepass ***")
          + " failed: " + output);
    }
  }

  /** Shakes hands with the cluster port as a node would; the peer certificate's subject. */
  private static String tlsPeer(int port, Path keyStore, Path trustStore, String password)
      throws Exception {
    KeyManagerFactory keys = KeyManagerFactory.getInstance(
        KeyManagerFactory.getDefaultAlgorithm());
    keys.init(load(keyStore, password), password.toCharArray());
    TrustManagerFactory trust = TrustManagerFactory.getInstance(
        TrustManagerFactory.getDefaultAlgorithm());
    trust.init(load(trustStore, password));
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(keys.getKeyManagers(), trust.getTrustManagers(), null);
    try (SSLSocket socket = (SSLSocket) context.getSocketFactory()
        .createSocket(InetAddress.getLoopbackAddress(), port)) {
      socket.setSoTimeout(10_000);
      socket.startHandshake();
      return ((X509Certificate) socket.getSession().getPeerCertificates()[0])
          .getSubjectX500Principal().getName();
    }
  }

  private static KeyStore load(Path file, String password) throws Exception {
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (FileInputStream in = new FileInputStream(file.toFile())) {
      store.load(in, password.toCharArray());
    }
    return store;
  }
}
