package io.workmate.server.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.server.config.WorkmateSettings.Cluster.SeedNode;
import io.workmate.server.config.WorkmateSettings.Cluster;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code workmate.cluster.*}: defaults, environment overrides and every check. */
class ClusterSettingsTest {

  @TempDir Path tmp;

  private Cluster load(Map<String, String> variables) {
    Map<String, String> env = new HashMap<>(variables);
    env.put("XDG_DATA_HOME", tmp.toString());
    return WorkmateSettings.from(WorkmateConfig.load(Optional.empty(), env, Map.of()), env)
        .cluster();
  }

  private List<String> problems(Map<String, String> variables) {
    return assertThrows(InvalidSettingsException.class, () -> load(variables)).problems();
  }

  @Test
  void theDefaultsAreOffOnPekkosPortWithADerivedName() {
    Cluster cluster = load(Map.of());

    assertFalse(cluster.enabled());
    assertEquals("127.0.0.1", cluster.host());
    assertEquals(17355, cluster.port());
    assertEquals(List.of(), cluster.seedNodes());
    assertEquals(List.of(), cluster.roles());
    assertEquals("127-0-0-1-17355", cluster.nodeName());
    assertEquals(Duration.ofSeconds(60), cluster.joinTimeout());
    assertEquals(Duration.ofSeconds(7), cluster.stableAfter());
    assertEquals(Duration.ofSeconds(5), cluster.failureDetectorPause());
    assertEquals(Optional.empty(), cluster.tls());
  }

  @Test
  void theEnvironmentSetsEverySetting() throws Exception {
    Path keys = Files.writeString(tmp.resolve("node.p12"), "not read here");
    Path trust = Files.writeString(tmp.resolve("trust.p12"), "not read here");
    Cluster cluster = load(Map.ofEntries(
        Map.entry("WORKMATE_CLUSTER_ENABLED", "on"),
        Map.entry("WORKMATE_CLUSTER_HOST", "10.0.0.5"),
        Map.entry("WORKMATE_CLUSTER_PORT", "25520"),
        Map.entry("WORKMATE_CLUSTER_SEED_NODES", " 10.0.0.5:25520, node-b.internal:25521,"),
        Map.entry("WORKMATE_CLUSTER_ROLES", "jobs, api"),
        Map.entry("WORKMATE_CLUSTER_NODE_NAME", "Node-A"),
        Map.entry("WORKMATE_CLUSTER_JOIN_TIMEOUT", "15s"),
        Map.entry("WORKMATE_CLUSTER_STABLE_AFTER", "12s"),
        Map.entry("WORKMATE_CLUSTER_TLS_ENABLED", "true"),
        Map.entry("WORKMATE_CLUSTER_TLS_KEY_STORE", keys.toString()),
        Map.entry("WORKMATE_CLUSTER_TLS_KEY_STORE_PASSWORD", "store-secret"),
        Map.entry("WORKMATE_CLUSTER_TLS_TRUST_STORE", trust.toString()),
        Map.entry("WORKMATE_CLUSTER_TLS_TRUST_STORE_PASSWORD", "trust-secret")));

    assertTrue(cluster.enabled());
    assertEquals("10.0.0.5:25520", cluster.address());
    assertEquals(List.of(new SeedNode("10.0.0.5", 25520), new SeedNode("node-b.internal", 25521)),
        cluster.seedNodes());
    assertEquals(List.of("jobs", "api"), cluster.roles());
    assertEquals("Node-A", cluster.nodeName());
    assertEquals(Duration.ofSeconds(15), cluster.joinTimeout());
    assertEquals(Duration.ofSeconds(12), cluster.stableAfter());
    WorkmateSettings.Cluster.Tls tls = cluster.tls().orElseThrow();
    assertEquals(keys, tls.keyStore());
    assertEquals(trust, tls.trustStore());
    assertEquals("store-secret", tls.keyStorePassword().reveal());
    assertEquals("store-secret", tls.keyPassword().reveal(), "empty = the store's password");
    assertEquals("trust-secret", tls.trustStorePassword().reveal());
    assertFalse(tls.toString().contains("store-secret"), "passwords stay hidden: " + tls);
    assertFalse(cluster.toString().contains("store-secret"), cluster.toString());
  }

  @Test
  void aDerivedNodeNameReplacesEveryOtherCharacterWithADash() {
    assertEquals("node-a-example-com-17355",
        ClusterSettings.derivedNodeName("node_a.example.com", 17355));
    assertEquals("127-0-0-1-0", load(Map.of("WORKMATE_CLUSTER_PORT", "0")).nodeName());
  }

  @Test
  void badSeedNodesAreNamedOneByOne() {
    List<String> problems = problems(Map.of("WORKMATE_CLUSTER_SEED_NODES",
        "10.0.0.5:17355,10.0.0.6,10.0.0.7:0,10.0.0.8:70000,:17355,a b:1,x:port"));

    for (String bad : List.of("10.0.0.6", "10.0.0.7:0", "10.0.0.8:70000", ":17355", "a b:1",
        "x:port")) {
      assertTrue(problems.contains("workmate.cluster.seed-nodes must be comma-separated "
          + "host:port entries with a port in 1..65535, such as 10.0.0.5:17355,10.0.0.6:17355; '"
          + bad + "' is not one"), bad + " in " + problems);
    }
    assertEquals(6, problems.size(), problems.toString());
  }

  @Test
  void badValuesNameTheirKeys() {
    List<String> problems = problems(Map.of(
        "WORKMATE_CLUSTER_ENABLED", "maybe",
        "WORKMATE_CLUSTER_PORT", "65536",
        "WORKMATE_CLUSTER_ROLES", "jobs,dc-east,a b",
        "WORKMATE_CLUSTER_NODE_NAME", "-node",
        "WORKMATE_CLUSTER_JOIN_TIMEOUT", "0s",
        "WORKMATE_CLUSTER_STABLE_AFTER", "soon"));

    assertTrue(has(problems, "workmate.cluster.enabled"), problems.toString());
    assertTrue(has(problems, "workmate.cluster.port must be within 0..65535, got 65536"),
        problems.toString());
    assertTrue(has(problems, "workmate.cluster.roles must be comma-separated names of letters, "
        + "digits, '.', '_' and '-' (not starting with dc-, which Pekko reserves); 'dc-east'"),
        problems.toString());
    assertTrue(has(problems, "'a b' is not one"), problems.toString());
    assertTrue(has(problems, "workmate.cluster.node-name must be 1..63 letters, digits and '-'"),
        problems.toString());
    assertTrue(has(problems, "workmate.cluster.join-timeout must be a positive duration"),
        problems.toString());
    assertTrue(has(problems, "workmate.cluster.stable-after"), problems.toString());
  }

  @Test
  void aNodeNameLongerThan63CharactersIsRefused() {
    assertEquals("a".repeat(63),
        load(Map.of("WORKMATE_CLUSTER_NODE_NAME", "a".repeat(63))).nodeName());
    assertTrue(has(problems(Map.of("WORKMATE_CLUSTER_NODE_NAME", "a".repeat(64))),
        "workmate.cluster.node-name must be"));
  }

  @Test
  void theHostMustBeWhatTheOtherNodesDialNotAWildcard() {
    assertEquals(List.of("workmate.cluster.host must be the address the other nodes reach this "
        + "one at, not the wildcard 0.0.0.0"),
        problems(Map.of("WORKMATE_CLUSTER_HOST", "0.0.0.0")));
  }

  @Test
  void anUnusableDerivedNameIsAProblemOnlyInClusterMode() {
    Map<String, String> ipv6 = Map.of("WORKMATE_CLUSTER_HOST", "::1");
    assertEquals("--1-17355", load(ipv6).nodeName(), "unused while cluster mode is off");

    Map<String, String> enabled = new HashMap<>(ipv6);
    enabled.put("WORKMATE_CLUSTER_ENABLED", "on");
    assertEquals(List.of("workmate.cluster.node-name is empty and the name derived from "
        + "workmate.cluster.host and workmate.cluster.port ('--1-17355') is not a valid node "
        + "name (1..63 letters, digits and '-', starting with a letter or a digit); set "
        + "workmate.cluster.node-name"), problems(enabled));
    enabled.put("WORKMATE_CLUSTER_NODE_NAME", "node-a");
    assertEquals("node-a", load(enabled).nodeName());
  }

  @Test
  void tlsInClusterModeNeedsReadableStoresAndPasswordsAndNeverPrintsThem() {
    List<String> problems = problems(Map.of(
        "WORKMATE_CLUSTER_ENABLED", "on",
        "WORKMATE_CLUSTER_TLS_ENABLED", "on",
        "WORKMATE_CLUSTER_TLS_KEY_STORE", tmp.resolve("missing.p12").toString(),
        "WORKMATE_CLUSTER_TLS_KEY_PASSWORD", "hidden-key-password"));

    assertEquals(List.of(
        "workmate.cluster.tls.key-store names " + tmp.resolve("missing.p12")
            + ", which is not a readable file",
        "workmate.cluster.tls.trust-store must name a key store file (PKCS12 or JKS) when "
            + "workmate.cluster.tls.enabled is on",
        "workmate.cluster.tls.key-store-password must be set when workmate.cluster.tls.enabled "
            + "is on",
        "workmate.cluster.tls.trust-store-password must be set when "
            + "workmate.cluster.tls.enabled is on"), problems);
    assertFalse(problems.toString().contains("hidden-key-password"));
  }

  @Test
  void tlsStoresAreNotCheckedWhileClusterModeIsOff() {
    assertEquals(Optional.empty(), load(Map.of("WORKMATE_CLUSTER_TLS_ENABLED", "on")).tls());
  }

  @Test
  void aTypoUnderClusterIsAnUnknownSetting() throws Exception {
    Path file = Files.writeString(tmp.resolve("workmate.conf"),
        "workmate.cluster.stable-afer = 9s\n");
    Map<String, String> env = Map.of("XDG_DATA_HOME", tmp.toString());
    List<String> problems = assertThrows(InvalidSettingsException.class,
        () -> WorkmateSettings.from(WorkmateConfig.load(Optional.of(file), env, Map.of()), env))
        .problems();
    assertTrue(has(problems, "unknown setting workmate.cluster.stable-afer (did you mean "
        + "workmate.cluster.stable-after?)"), problems.toString());
  }

  private static boolean has(List<String> problems, String start) {
    return problems.stream().anyMatch(problem -> problem.startsWith(start)
        || problem.contains(start));
  }
}
