package io.workmate.runtime;

import java.util.Locale;

/** What a mode offers on the gateway side. */
public enum Capability {
  CLOUD_MEMORY,
  TASK_QUEUE,
  MULTI_AGENT,
  LOCAL_MODEL,
  CODE_AGENT;

  /** {@code cloud-memory}, {@code task-queue}, ... as in the API and the docs. */
  public String wire() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }
}
