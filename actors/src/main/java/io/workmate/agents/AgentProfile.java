package io.workmate.agents;

import io.workmate.persistence.CborSerializable;
import java.util.Objects;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What the dispatcher needs to know of an agent to route jobs to it.
 *
 * @param id unique name ({@code [a-z0-9][a-z0-9._-]{0,63}})
 * @param kind the backend it invokes
 * @param capabilities what it offers; a job runs on an agent that has all the job asks for
 * @param maxConcurrent invocations at once (at least 1)
 * @param rateLimitPerMinute invocations started in any 60 s window, or 0 for no limit
 */
public record AgentProfile(String id, AgentKind kind, Set<String> capabilities,
    int maxConcurrent, int rateLimitPerMinute) implements CborSerializable {

  /**
   * Agent ids. An agent local to a node of a cluster carries the node after an {@code @}
   * ({@code codex@node-a}); a job naming the plain {@code codex} runs on that agent of whichever
   * node hosts it.
   */
  public static final Pattern VALID_ID =
      Pattern.compile("[a-z0-9][a-z0-9._-]{0,63}(@[a-z0-9][a-z0-9-]{0,62})?");
  public static final Pattern VALID_CAPABILITY = Pattern.compile("[a-z0-9][a-z0-9._:-]{0,63}");

  public AgentProfile {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(kind, "kind");
    capabilities = capabilities == null ? Set.of() : Set.copyOf(capabilities);
    if (!VALID_ID.matcher(id).matches()) {
      throw new IllegalArgumentException("invalid agent id '" + id
          + "': use 1-64 of a-z, 0-9, '.', '_', '-', starting with a letter or digit, and "
          + "optionally '@' and a node name");
    }
    for (String capability : capabilities) {
      if (!VALID_CAPABILITY.matcher(capability).matches()) {
        throw new IllegalArgumentException("invalid capability '" + capability
            + "': use 1-64 of a-z, 0-9, '.', '_', ':', '-', starting with a letter or digit");
      }
    }
    if (maxConcurrent < 1) {
      throw new IllegalArgumentException("maxConcurrent must be at least 1, not " + maxConcurrent);
    }
    if (rateLimitPerMinute < 0) {
      throw new IllegalArgumentException(
          "rateLimitPerMinute must be 0 (no limit) or more, not " + rateLimitPerMinute);
    }
  }

  public boolean offersAll(java.util.Collection<String> required) {
    return capabilities.containsAll(required);
  }
}
