package io.workmate.gateway.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

/**
 * The gateway's {@code openclaw.json} for tests. OpenClaw reads JSON5, of which JSON is a subset,
 * so Jackson writes it. Everything that would reach beyond loopback at startup is switched off
 * (mDNS, update check, remote model catalog, cron's background model calls), and the only model is
 * Workmate's scripted provider.
 */
final class GatewayConfig {

  /** Provider and model ids as OpenClaw sees them: agents use {@code workmate/scripted-model}. */
  static final String PROVIDER_ID = "workmate";
  static final String MODEL_ID = "scripted-model";
  /**
   * The scripted provider speaks the OpenAI Responses API, so OpenClaw must call {@code
   * /v1/responses} rather than {@code /v1/chat/completions}.
   */
  static final String PROVIDER_API = "openai-responses";

  private static final ObjectMapper JSON = new ObjectMapper();

  private GatewayConfig() {}

  static ObjectNode render(int port, String token, boolean tls, String providerBaseUrl,
      Path fileLog, ObjectNode extra) {
    ObjectNode root = JSON.createObjectNode();
    root.set("gateway", gateway(port, token, tls));
    // Its own log file would otherwise go to /tmp/openclaw/ whatever TMPDIR says.
    root.putObject("logging").put("file", fileLog.toString());
    root.putObject("discovery").putObject("mdns").put("mode", "off");
    root.putObject("update").put("checkOnStart", false);
    root.putObject("cron").put("enabled", false);
    root.putObject("agents").putObject("defaults").putObject("model")
        .put("primary", PROVIDER_ID + "/" + MODEL_ID);
    root.set("models", models(providerBaseUrl));
    if (extra != null) {
      merge(root, extra);
    }
    return root;
  }

  static void write(Path file, ObjectNode config) {
    try {
      Files.createDirectories(file.getParent());
      JSON.writerWithDefaultPrettyPrinter().writeValue(file.toFile(), config);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write gateway config " + file, e);
    }
  }

  private static ObjectNode gateway(int port, String token, boolean tls) {
    ObjectNode gateway = JSON.createObjectNode();
    gateway.put("mode", "local").put("port", port).put("bind", "loopback");
    gateway.putObject("auth").put("mode", "token").put("token", token);
    gateway.putObject("tailscale").put("mode", "off");
    if (tls) {
      // No paths: the gateway generates a self-signed pair under its state dir on first start
      // and reuses it on restarts, so the fingerprint stays stable for one fixture.
      gateway.putObject("tls").put("enabled", true).put("autoGenerate", true);
    }
    return gateway;
  }

  private static ObjectNode models(String providerBaseUrl) {
    ObjectNode models = JSON.createObjectNode().put("mode", "merge");
    // Otherwise startup fetches a model catalog from the internet.
    models.putObject("catalogRefresh").put("enabled", false);
    ObjectNode provider = models.putObject("providers").putObject(PROVIDER_ID);
    provider.put("baseUrl", providerBaseUrl).put("apiKey", "scripted-test-key");
    provider.put("api", PROVIDER_API).put("timeoutSeconds", 120);
    // OpenClaw's own agent loop, not a delegated runtime such as Codex.
    provider.putObject("agentRuntime").put("id", "openclaw");
    ObjectNode model = provider.putArray("models").addObject();
    model.put("id", MODEL_ID).put("name", "Workmate scripted model").put("reasoning", false);
    model.putArray("input").add("text");
    model.putObject("cost").put("input", 0).put("output", 0).put("cacheRead", 0)
        .put("cacheWrite", 0);
    model.put("contextWindow", 128_000).put("maxTokens", 4096);
    return models;
  }

  /** Deep merge: objects merge key by key, anything else in {@code extra} replaces. */
  static void merge(ObjectNode target, ObjectNode extra) {
    for (Map.Entry<String, JsonNode> field : extra.properties()) {
      JsonNode existing = target.get(field.getKey());
      if (existing instanceof ObjectNode existingObject && field.getValue() instanceof ObjectNode) {
        merge(existingObject, (ObjectNode) field.getValue());
      } else {
        target.set(field.getKey(), field.getValue().deepCopy());
      }
    }
  }
}
