package io.workmate.bench.codex;

import io.workmate.codex.config.CodexBinary;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Command lines for the variant drivers. Both Java drivers get the JVM options bin/workmate
 * uses, so (a) and (b) differ only in what runs inside the JVM.
 */
final class VariantCommands {

  /** bin/workmate's defaults (overridable there and here with WORKMATE_JAVA_OPTS). */
  static final String DEFAULT_JAVA_OPTS = 
      "-XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Xss512k -Xmn16m";

  private final Path java;
  private final String classpath;
  private final List<String> javaOptions;
  private final Optional<SdkInstall> sdk;
  private final Map<String, String> codexEnvironment;

  /**
   * @param codexEnvironment the variables codex runs with (the Node driver passes them on; the
   *     Java drivers rebuild the same set themselves)
   */
  VariantCommands(Optional<SdkInstall> sdk, Map<String, String> codexEnvironment) {
    this.java = Path.of(System.getProperty("java.home"), "bin", "java");
    this.classpath = System.getProperty("java.class.path");
    String opts = System.getenv("WORKMATE_JAVA_OPTS");
    if (opts == null || opts.isBlank()) { // as bin/workmate's ${WORKMATE_JAVA_OPTS:-...}
      opts = DEFAULT_JAVA_OPTS;
    }
    this.javaOptions = new ArrayList<>(Arrays.asList(opts.trim().split("\\s+")));
    // 2 CPUs give commonPool parallelism 1, which makes CompletableFuture spawn a thread per task
    javaOptions.add("-Djava.util.concurrent.ForkJoinPool.common.parallelism=4");
    // the checkout, where WorkmateDriver reads the service's Pekko settings
    javaOptions.add("-D" + CodexBinary.HOME_PROPERTY + "="
        + System.getProperty(CodexBinary.HOME_PROPERTY, "."));
    this.sdk = sdk;
    this.codexEnvironment = codexEnvironment;
  }

  List<String> command(Variant variant, DriverArgs args) {
    List<String> command = new ArrayList<>();
    switch (variant) {
      case WORKMATE, DIRECT -> {
        command.add(java.toString());
        command.addAll(javaOptions);
        command.addAll(List.of("-cp", classpath));
        command.add(variant == Variant.WORKMATE
            ? WorkmateDriver.class.getName() : DirectDriver.class.getName());
      }
      case SDK -> {
        SdkInstall install = sdk.orElseThrow(() -> new IllegalStateException("SDK missing"));
        command.addAll(List.of("node", install.driverScript().toString(), "--sdk-dir",
            install.prefix().toString()));
      }
    }
    command.addAll(args.toArgs());
    return command;
  }

  /** Null = inherit the bench's environment; Node gets codex's controlled one to pass on. */
  Map<String, String> environment(Variant variant) {
    return variant == Variant.SDK ? codexEnvironment : null;
  }
}
