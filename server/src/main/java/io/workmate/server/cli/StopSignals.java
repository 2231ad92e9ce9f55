package io.workmate.server.cli;

import io.workmate.server.service.ServiceControl;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/**
 * SIGTERM and SIGINT start the drain of {@code serve} instead of the JVM's default, which runs
 * the shutdown hooks and exits with 143 while jobs are in flight. The first signal drains, a
 * second one cuts the drain short (the running attempts are requeued without spending one).
 * {@code sun.misc.Signal} is the JDK's only way to take over a signal; it is supported API of
 * the jdk.unsupported module on every JDK Workmate runs on.
 */
final class StopSignals {

  private static final Logger log = LoggerFactory.getLogger(StopSignals.class);

  private StopSignals() {}

  static void install(ServiceControl control) {
    for (String name : new String[] {"TERM", "INT"}) {
      try {
        Signal.handle(new Signal(name), signal -> control.requestDrain("SIG" + name));
      } catch (IllegalArgumentException e) {
        // the JVM keeps this signal (e.g. -Xrs): the default exit then applies
        log.warn("cannot take over SIG{}: {}; it will stop the service without a drain", name,
            e.getMessage());
      }
    }
  }
}
