package io.workmate.codex.schema;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * The JSON schemas that {@code codex app-server generate-json-schema} writes: one file per message
 * type ({@code v2/TurnStartParams.json}, ...), each with {@code properties}, {@code required} and
 * the {@code definitions} it refers to ({@code $ref} is always {@code #/definitions/<Name>} inside
 * the same file).
 */
final class GeneratedSchema {

  private static final long GENERATE_TIMEOUT_SECONDS = 60;
  private static final int MAX_REF_DEPTH = 16;

  private final Path dir;
  private final String codexVersion;
  private final ObjectMapper mapper = new ObjectMapper();
  private final Map<String, JsonNode> files = new HashMap<>();

  private GeneratedSchema(Path dir, String codexVersion) {
    this.dir = dir;
    this.codexVersion = codexVersion;
  }

  /** Runs the binary; any failure is reported with what codex printed. */
  static GeneratedSchema generate(Path codex, String codexVersion, Path outDir)
      throws IOException, InterruptedException {
    Path log = Files.createTempFile("codex-generate-json-schema", ".log");
    try {
      ProcessBuilder builder =
          new ProcessBuilder(codex.toString(), "app-server", "generate-json-schema", "--out",
                  outDir.toString())
              .redirectErrorStream(true)
              .redirectOutput(log.toFile());
      builder.environment().put("RUST_LOG", "warn");
      Process process = builder.start();
      process.getOutputStream().close(); // it reads nothing; EOF rather than a dangling pipe
      if (!process.waitFor(GENERATE_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        process.destroyForcibly();
        throw new IllegalStateException(
            "'" + codex + " app-server generate-json-schema' did not finish in "
                + GENERATE_TIMEOUT_SECONDS + " s");
      }
      if (process.exitValue() != 0) {
        throw new IllegalStateException(
            "'" + codex + " app-server generate-json-schema' exited with " + process.exitValue()
                + ": " + Files.readString(log, StandardCharsets.UTF_8));
      }
    } finally {
      Files.deleteIfExists(log);
    }
    return new GeneratedSchema(outDir, codexVersion);
  }

  /** E.g. {@code codex-cli 0.169.0}; failure messages name it so a bump shows what broke. */
  String codexVersion() {
    return codexVersion;
  }

  /** The parsed file, or empty if this codex version does not write it. */
  Optional<JsonNode> file(String relativePath) {
    if (files.containsKey(relativePath)) {
      return Optional.of(files.get(relativePath));
    }
    Path path = dir.resolve(relativePath);
    if (!Files.isRegularFile(path)) {
      return Optional.empty();
    }
    try {
      JsonNode root = mapper.readTree(path.toFile());
      files.put(relativePath, root);
      return Optional.of(root);
    } catch (IOException e) {
      throw new UncheckedIOException("unreadable schema file " + path, e);
    }
  }

  /** The file, or an assertion-style error naming it; for checks that need it to exist. */
  JsonNode requireFile(String relativePath) {
    return file(relativePath)
        .orElseThrow(
            () -> new AssertionError(codexVersion + " wrote no schema file " + relativePath));
  }

  /** {@code #/definitions/<name>} of the file, if present. */
  static Optional<JsonNode> definition(JsonNode fileRoot, String name) {
    JsonNode node = fileRoot.path("definitions").path(name);
    return node.isMissingNode() ? Optional.empty() : Optional.of(node);
  }

  /** Follows a {@code $ref} (a JSON pointer into the same file) until a non-reference node. */
  static JsonNode deref(JsonNode fileRoot, JsonNode node) {
    JsonNode current = node;
    for (int depth = 0; depth < MAX_REF_DEPTH && current.has("$ref"); depth++) {
      String ref = current.get("$ref").asText();
      JsonNode target = ref.startsWith("#") ? fileRoot.at(ref.substring(1)) : null;
      if (target == null || target.isMissingNode()) {
        throw new AssertionError("unresolvable $ref " + ref);
      }
      current = target;
    }
    return current;
  }

  /** The alternatives of a union ({@code oneOf} or {@code anyOf}); empty if it is no union. */
  static List<JsonNode> variants(JsonNode schema) {
    for (String keyword : List.of("oneOf", "anyOf")) {
      if (schema.path(keyword).isArray()) {
        return iterable(schema.get(keyword));
      }
    }
    return List.of();
  }

  /**
   * The {@code method} names a message-union file ({@code ClientRequest.json},
   * {@code ServerNotification.json}, ...) allows: each {@code oneOf} variant is one message type
   * whose {@code properties.method.enum} holds its single name.
   */
  static Set<String> methodNames(JsonNode messageUnion) {
    Set<String> methods = new LinkedHashSet<>();
    for (JsonNode variant : variants(messageUnion)) {
      for (JsonNode name : variant.path("properties").path("method").path("enum")) {
        methods.add(name.asText());
      }
    }
    return methods;
  }

  /**
   * Every string an enum-like schema accepts: its own {@code enum} values plus those of its union
   * variants and references (codex writes e.g. {@code AskForApproval} as a {@code oneOf} of a
   * string enum and an object).
   */
  static Set<String> stringValues(JsonNode fileRoot, JsonNode schema) {
    Set<String> values = new LinkedHashSet<>();
    collectStringValues(fileRoot, schema, values, 0);
    return values;
  }

  private static void collectStringValues(
      JsonNode fileRoot, JsonNode schema, Set<String> values, int depth) {
    if (depth > MAX_REF_DEPTH) {
      return;
    }
    JsonNode resolved = deref(fileRoot, schema);
    for (JsonNode value : resolved.path("enum")) {
      if (value.isTextual()) {
        values.add(value.asText());
      }
    }
    if (resolved.path("const").isTextual()) {
      values.add(resolved.get("const").asText());
    }
    for (JsonNode variant : variants(resolved)) {
      collectStringValues(fileRoot, variant, values, depth + 1);
    }
  }

  static List<JsonNode> iterable(JsonNode array) {
    List<JsonNode> items = new ArrayList<>();
    array.forEach(items::add);
    return items;
  }
}
