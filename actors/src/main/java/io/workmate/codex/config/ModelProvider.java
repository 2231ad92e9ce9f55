package io.workmate.codex.config;

import java.net.URI;

/**
 * The OpenAI-compatible gateway Codex talks to, rendered as {@code [model_providers.<id>]}.
 *
 * @param id the table key and the value of top-level {@code model_provider}, e.g. {@code workmate}
 * @param name a human-readable name Codex shows in {@code modelProvider/list}
 * @param baseUrl where Codex POSTs {@code {baseUrl}/responses}
 * @param envKey the NAME of the environment variable holding the API key; the key itself never goes
 *     into config.toml, Codex reads it from the app-server's environment
 */
public record ModelProvider(String id, String name, URI baseUrl, String envKey) {
  // Validated as part of CodexConfig so that all problems of a config are reported together.
}
