package io.workmate.runtime;

import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;

/**
 * The mode the runtime is actually in, and what the gateway side offers in it. Workmate's own
 * durable queue runs in every mode; this table is about the gateway.
 */
public enum EffectiveMode {
  LOCAL("Local", EnumSet.of(Capability.LOCAL_MODEL, Capability.CODE_AGENT)),
  REMOTE("Remote", EnumSet.allOf(Capability.class)),
  OFFLINE("Offline", EnumSet.of(Capability.CODE_AGENT));

  private final String title;
  private final Set<Capability> capabilities;

  EffectiveMode(String title, Set<Capability> capabilities) {
    this.title = title;
    this.capabilities = Set.copyOf(capabilities);
  }

  public Set<Capability> capabilities() {
    return capabilities;
  }

  public boolean supports(Capability capability) {
    return capabilities.contains(capability);
  }

  public boolean online() {
    return this != OFFLINE;
  }

  public String title() {
    return title;
  }

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }
}
