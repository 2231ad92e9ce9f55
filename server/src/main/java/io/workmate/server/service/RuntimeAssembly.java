package io.workmate.server.service;

import io.workmate.codex.ThreadSettings;
import io.workmate.gateway.GatewayEndpoint;
import io.workmate.runtime.RuntimeSettings;
import io.workmate.server.config.WorkmateSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/** Turns the {@code workmate.mode} / {@code workmate.openclaw} settings into runtime settings. */
public final class RuntimeAssembly {

  private RuntimeAssembly() {}

  public static RuntimeSettings runtimeSettings(WorkmateSettings settings,
      CodexLauncher launcher) {
    WorkmateSettings.Runtime runtime = settings.runtime();
    Path work = settings.dataDir().resolve("work");
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + work, e);
    }
    ThreadSettings localThread = launcher.threadSettings(work, Optional.empty(), Optional.empty());
    return new RuntimeSettings(runtime.mode(),
        runtime.localUrl().map(url -> endpoint("local", url, settings, Optional.empty())),
        runtime.remoteUrl().map(url -> endpoint("remote", url, settings,
            runtime.remoteFingerprint())),
        runtime.stableFor(), runtime.maxStableFor(), runtime.flapWindow(), runtime.agentId(),
        runtime.reattachWindow(), localThread);
  }

  /** The thread settings of a codex job that names no cwd: {@code <data-dir>/jobs}. */
  public static ThreadSettings jobThreadSettings(WorkmateSettings settings,
      CodexLauncher launcher) {
    Path work = settings.dataDir().resolve("jobs");
    try {
      Files.createDirectories(work);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + work, e);
    }
    return launcher.threadSettings(work, Optional.empty(), Optional.empty());
  }

  private static GatewayEndpoint endpoint(String name, URI url, WorkmateSettings settings,
      Optional<String> fingerprint) {
    WorkmateSettings.Runtime runtime = settings.runtime();
    return new GatewayEndpoint(name, url, runtime.token().reveal(), fingerprint,
        Optional.of(settings.dataDir().resolve("gateways").resolve(name)),
        runtime.connectTimeout(), runtime.requestTimeout(), java.time.Duration.ofMinutes(10),
        runtime.reconnectBackoff());
  }
}
