package io.workmate.agents;

import io.workmate.persistence.CborSerializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * Everything an agent is registered with: its {@link AgentProfile} (what the dispatcher routes
 * on) plus what its actor needs to reach the backend, and how long it lives without a
 * heartbeat. Two registrations are "the same settings" exactly when they are {@code equals}.
 *
 * @param endpoint for {@code http} agents (required there, refused elsewhere): the http(s) URL
 *     each invocation is POSTed to
 * @param model a model name the backend should use, or null for its default
 * @param cwd the default working directory of invocations, or null
 * @param ttl how long the agent stays registered without a heartbeat; {@link Duration#ZERO}
 *     means forever (the local Codex agent)
 */
public record AgentRegistration(AgentProfile profile, String endpoint, String model, String cwd,
    Duration ttl) implements CborSerializable {

  /** The TTL of a remote ({@code http}, {@code gateway}) agent that names none. */
  public static final Duration DEFAULT_REMOTE_TTL = Duration.ofSeconds(60);
  /** Longest TTL accepted: a day. Longer is "forever" in disguise; say 0 for that. */
  public static final Duration MAX_TTL = Duration.ofDays(1);
  public static final int MAX_CONCURRENT_LIMIT = 1000;
  private static final int MAX_TEXT = 2048;

  public AgentRegistration {
    Objects.requireNonNull(profile, "profile");
    ttl = ttl == null ? Duration.ZERO : ttl;
    endpoint = blankToNull(endpoint);
    model = blankToNull(model);
    cwd = blankToNull(cwd);
    if (ttl.isNegative()) {
      throw new IllegalArgumentException("ttlSeconds must be 0 (never expires) or more");
    }
    if (ttl.compareTo(MAX_TTL) > 0) {
      throw new IllegalArgumentException("ttlSeconds must be at most " + MAX_TTL.toSeconds()
          + " (a day); use 0 for an agent that never expires");
    }
    if (ttl.toNanos() % 1_000_000_000L != 0) {
      throw new IllegalArgumentException("ttl must be whole seconds, not " + ttl);
    }
    if (profile.maxConcurrent() > MAX_CONCURRENT_LIMIT) {
      throw new IllegalArgumentException("maxConcurrent must be at most " + MAX_CONCURRENT_LIMIT
          + ", not " + profile.maxConcurrent());
    }
    if (profile.kind() == AgentKind.HTTP) {
      if (endpoint == null) {
        throw new IllegalArgumentException("agent '" + profile.id()
            + "' is of kind http and needs an \"endpoint\" (an http:// or https:// URL)");
      }
      checkHttpUrl(endpoint);
    } else if (endpoint != null) {
      throw new IllegalArgumentException("\"endpoint\" is only for agents of kind http, not "
          + profile.kind());
    }
    checkLength("model", model);
    checkLength("cwd", cwd);
  }

  /** A registration with the default TTL of its kind (remote: 60 s, local: never). */
  public static AgentRegistration of(AgentProfile profile, String endpoint, String model,
      String cwd) {
    return new AgentRegistration(profile, endpoint, model, cwd, defaultTtl(profile.kind()));
  }

  /** Remote agents prove they are alive; local ones live as long as the service. */
  public static Duration defaultTtl(AgentKind kind) {
    return kind == AgentKind.HTTP || kind == AgentKind.GATEWAY ? DEFAULT_REMOTE_TTL
        : Duration.ZERO;
  }

  public String id() {
    return profile.id();
  }

  public AgentKind kind() {
    return profile.kind();
  }

  public boolean expires() {
    return !ttl.isZero();
  }

  /** Back to the unvalidated form, e.g. to register it again. */
  public Request toRequest() {
    return new Request(profile.id(), profile.kind().wireName(),
        List.copyOf(new TreeSet<>(profile.capabilities())), profile.maxConcurrent(),
        profile.rateLimitPerMinute(), endpoint, model, cwd, ttl.toSeconds());
  }

  /**
   * A registration as a client sent it, not yet checked: {@link #validate()} turns it into an
   * {@link AgentRegistration} or says, in one sentence, what is wrong. Null means "not given".
   */
  public record Request(String id, String kind, List<String> capabilities,
      Integer maxConcurrent, Integer rateLimitPerMinute, String endpoint, String model,
      String cwd, Long ttlSeconds) implements CborSerializable {

    /** @throws IllegalArgumentException with a message fit for the client */
    public AgentRegistration validate() {
      if (id == null || id.isEmpty()) {
        throw new IllegalArgumentException("\"id\" is required");
      }
      if (kind == null || kind.isEmpty()) {
        throw new IllegalArgumentException("\"kind\" is required (codex, gateway, http or echo)");
      }
      AgentKind agentKind = AgentKind.fromWireName(kind.toLowerCase(Locale.ROOT));
      Set<String> capabilitySet = capabilities == null ? Set.of() : new TreeSet<>(capabilities);
      if (capabilities != null && capabilities.stream().anyMatch(Objects::isNull)) {
        throw new IllegalArgumentException("\"capabilities\" must not contain null");
      }
      AgentProfile profile = new AgentProfile(id, agentKind, capabilitySet,
          maxConcurrent == null ? 1 : maxConcurrent,
          rateLimitPerMinute == null ? 0 : rateLimitPerMinute);
      Duration ttl = ttlSeconds == null ? defaultTtl(agentKind) : checkedTtl(ttlSeconds);
      return new AgentRegistration(profile, endpoint, model, cwd, ttl);
    }

    private static Duration checkedTtl(long seconds) {
      if (seconds < 0 || seconds > MAX_TTL.toSeconds()) {
        throw new IllegalArgumentException("ttlSeconds must be 0 (never expires) to "
            + MAX_TTL.toSeconds() + ", not " + seconds);
      }
      return Duration.ofSeconds(seconds);
    }
  }

  private static void checkHttpUrl(String endpoint) {
    URI uri;
    try {
      uri = new URI(endpoint);
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException("\"endpoint\" is not a URL: " + e.getMessage());
    }
    String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
    if (!scheme.equals("http") && !scheme.equals("https")) {
      throw new IllegalArgumentException("\"endpoint\" must be an http:// or https:// URL, not '"
          + endpoint + "'");
    }
    if (uri.getHost() == null || uri.getHost().isEmpty()) {
      throw new IllegalArgumentException("\"endpoint\" has no host: '" + endpoint + "'");
    }
    if (uri.getUserInfo() != null) {
      // it would be persisted and listed in clear text
      throw new IllegalArgumentException("\"endpoint\" must not carry credentials (user:pass@)");
    }
    checkLength("endpoint", endpoint);
  }

  private static void checkLength(String field, String value) {
    if (value != null && value.length() > MAX_TEXT) {
      throw new IllegalArgumentException("\"" + field + "\" is longer than " + MAX_TEXT
          + " characters");
    }
  }

  private static String blankToNull(String value) {
    return value == null || value.isBlank() ? null : value;
  }
}
