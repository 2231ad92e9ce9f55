package io.workmate.testkit;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Starts a {@code main} class of the test classpath in a JVM of its own, for tests that kill a
 * process with SIGKILL and look at what it left behind. Its stdout is the caller's to read; its
 * stderr goes to {@code stderr}.
 */
public final class ChildJvm {

  private ChildJvm() {}

  public static Process start(Class<?> main, String maxHeap, Path stderr, String... args)
      throws IOException {
    List<String> command = new ArrayList<>(List.of(
        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx" + maxHeap,
        "-Djava.util.concurrent.ForkJoinPool.common.parallelism=4",
        "-cp", System.getProperty("java.class.path"),
        main.getName()));
    command.addAll(List.of(args));
    return new ProcessBuilder(command).redirectError(stderr.toFile()).start();
  }
}
