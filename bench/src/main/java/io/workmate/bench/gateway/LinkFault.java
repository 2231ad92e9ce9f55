package io.workmate.bench.gateway;

import java.net.URI;

/**
 * A way to break the runtime's link to the gateway and mend it again, for failover rounds.
 * {@link #inject()} is the measured moment: the bench takes its start mark right before it.
 */
interface LinkFault extends AutoCloseable {

  /** What the table calls this fault. */
  String label();

  /** Where the runtime's local endpoint must point for this fault to reach its link. */
  URI endpointUrl();

  /** Breaks the link; returns as soon as the break is done (not when anyone noticed). */
  void inject();

  /** Mends the link; may take long (a gateway restart), which is not part of the failover. */
  void repair();

  @Override
  default void close() {}
}
