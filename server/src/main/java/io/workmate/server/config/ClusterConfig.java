package io.workmate.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The Pekko config of cluster mode, layered over the rest by {@code serve}: the cluster
 * provider, Artery on the node's address (TCP, or TLS with mutual authentication), the seed
 * nodes, roles, the Split Brain Resolver (keep-majority) and the failure detector's pause.
 * Without cluster mode the overlay is empty, so a single node's config is exactly as before.
 */
public final class ClusterConfig {

  /** The ActorSystem's name, part of every node's address ({@code pekko://workmate@host:port}). */
  public static final String SYSTEM_NAME = "workmate";

  private static final String SBR = "org.apache.pekko.cluster.sbr.SplitBrainResolverProvider";
  private static final String SSL = "pekko.remote.artery.ssl.config-ssl-engine.";

  private ClusterConfig() {}

  public static Config overlay(WorkmateSettings.Cluster cluster) {
    if (!cluster.enabled()) {
      return ConfigFactory.empty();
    }
    Map<String, Object> values = new LinkedHashMap<>();
    values.put("pekko.actor.provider", "cluster");
    // the effective name (derived when not set), for whoever reads the system's config
    values.put("workmate.cluster.node-name", cluster.nodeName());
    values.put("pekko.remote.artery.canonical.hostname", cluster.host());
    values.put("pekko.remote.artery.canonical.port", cluster.port());
    // bind where the other nodes dial (Pekko's default for an empty bind.hostname, said here so
    // a reader sees it); bind.port stays empty = the canonical port, also when that is 0
    values.put("pekko.remote.artery.bind.hostname", cluster.host());
    values.put("pekko.cluster.seed-nodes", cluster.seedNodes().stream()
        .map(seed -> "pekko://" + SYSTEM_NAME + "@" + seed).toList());
    values.put("pekko.cluster.roles", List.copyOf(cluster.roles()));
    values.put("pekko.cluster.downing-provider-class", SBR);
    values.put("pekko.cluster.split-brain-resolver.active-strategy", "keep-majority");
    values.put("pekko.cluster.split-brain-resolver.stable-after",
        millis(cluster.stableAfter()));
    values.put("pekko.cluster.failure-detector.acceptable-heartbeat-pause",
        millis(cluster.failureDetectorPause()));
    // serve waits for Up itself (join-timeout) and then ends the system, with its own message
    values.put("pekko.cluster.shutdown-after-unsuccessful-join-seed-nodes", "off");
    // a node that leaves or is downed runs CoordinatedShutdown; serve picks the exit code
    values.put("pekko.coordinated-shutdown.exit-jvm", "off");
    values.put("pekko.remote.artery.transport", cluster.tls().isPresent() ? "tls-tcp" : "tcp");
    // Pekko Management, when on: read-only (no leave or down over HTTP), on the cluster's host
    values.put("pekko.management.http.hostname", cluster.host());
    values.put("pekko.management.http.port", cluster.managementPort());
    values.put("pekko.management.http.route-providers-read-only", true);
    cluster.tls().ifPresent(tls -> {
      values.put("pekko.remote.artery.ssl.ssl-engine-provider",
          "org.apache.pekko.remote.artery.tcp.ConfigSSLEngineProvider");
      values.put(SSL + "key-store", tls.keyStore().toString());
      values.put(SSL + "key-store-password", tls.keyStorePassword().reveal());
      values.put(SSL + "key-password", tls.keyPassword().reveal());
      values.put(SSL + "trust-store", tls.trustStore().toString());
      values.put(SSL + "trust-store-password", tls.trustStorePassword().reveal());
      // both sides show a certificate from their trust store: only nodes given a key can join
      values.put(SSL + "require-mutual-authentication", "on");
    });
    return ConfigFactory.parseMap(values, "workmate.cluster (ClusterConfig)");
  }

  private static String millis(Duration duration) {
    return duration.toMillis() + "ms";
  }
}
