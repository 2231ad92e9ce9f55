package io.workmate.codex;

import io.workmate.nativeos.ProcessControl;
import io.workmate.nativeos.Signal;
import io.workmate.protocol.codex.CodexNotification;
import io.workmate.protocol.codex.CodexRequest;
import io.workmate.protocol.jsonrpc.JsonRpcCodec;
import io.workmate.protocol.jsonrpc.JsonRpcMessage;
import io.workmate.protocol.jsonrpc.MalformedMessageException;
import io.workmate.support.BlockingThreads;
import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One running {@code codex app-server} child: started through {@code setsid} so it leads its own
 * process group, with its stdout and stderr pumped on threads of their own
 * ({@link BlockingThreads#start}). Lines are decoded on the pump thread, notifications and server
 * requests into their typed records, once (so the actor only routes), and handed over through
 * {@link Sink}. Writing to stdin and {@link #stop} block: the owning actor runs on the blocking
 * dispatcher.
 */
final class AppServerProcess {

  /** Environment variable that marks every process this child (and its descendants) started. */
  static final String MARKER_VARIABLE = ProcessRegistration.APP_SERVER_MARKER;

  private static final Logger log = LoggerFactory.getLogger(AppServerProcess.class);
  private static final int STDERR_TAIL_LINES = 20;

  /** Receives what the pumps read; called from pump threads. */
  interface Sink {
    /** A response or error response to one of our calls. */
    void answer(long generation, JsonRpcMessage message);

    void notification(long generation, CodexNotification notification);

    void request(long generation, CodexRequest request);

    void garbage(long generation, String problem);

    void exited(long generation, String description);
  }

  private final String name;
  private final long generation;
  private final String marker;
  private final Process process;
  private final BufferedWriter stdin;
  private final Deque<String> stderrTail = new ArrayDeque<>();
  private final ProcessRegistration registration;

  private AppServerProcess(String name, long generation, String marker, Process process,
      ProcessRegistration registration) {
    this.registration = registration;
    this.name = name;
    this.generation = generation;
    this.marker = marker;
    this.process = process;
    this.stdin = new BufferedWriter(
        new OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8));
  }

  static AppServerProcess start(String name, long generation, String marker,
      AppServerSettings settings, JsonRpcCodec codec, Sink sink) throws IOException {
    if (!java.nio.file.Files.isExecutable(settings.binary())) {
      // checked here: behind setsid a missing binary would only show as exit status 127
      throw new IOException("the codex binary " + settings.binary()
          + " does not exist or is not executable");
    }
    List<String> command = new ArrayList<>();
    if (ProcessControl.isSupported()) {
      command.add("setsid");
    }
    settings.commandLimits().flatMap(limits -> limits.nice().isPresent()
        ? java.util.Optional.of(limits.nice().getAsInt()) : java.util.Optional.empty())
        .ifPresent(level -> {
          // a launch wrapper (coreutils): nothing runs in the JVM between fork and exec
          command.add("nice");
          command.add("-n");
          command.add(Integer.toString(level));
        });
    command.add(settings.binary().toString());
    command.add("app-server");
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().clear();
    builder.environment().putAll(settings.environment().forProcess(MARKER_VARIABLE, marker));
    builder.directory(settings.environment().home().toFile());
    Process process = builder.start();
    register(settings.registration(), process.pid(), name + " generation " + generation, marker);
    AppServerProcess child = new AppServerProcess(name, generation, marker, process,
        settings.registration());
    child.startPumps(codec, sink);
    return child;
  }

  long pid() {
    return process.pid();
  }

  long generation() {
    return generation;
  }

  boolean isAlive() {
    return process.isAlive();
  }

  /** Writes one line; an IOException means the process is going away (its exit will follow). */
  void send(String line) throws IOException {
    stdin.write(line);
    stdin.write('\n');
    stdin.flush();
  }

  /**
   * Closes stdin (codex exits on EOF), waits {@code grace}, then signals the whole group, and
   * finally kills anything that still carries this process's marker.
   */
  void stop(java.time.Duration grace) {
    try {
      stdin.close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(grace.toMillis(), TimeUnit.MILLISECONDS)) {
        signalGroup(Signal.SIGTERM);
        if (!process.waitFor(1, TimeUnit.SECONDS)) {
          signalGroup(Signal.SIGKILL);
          process.waitFor(2, TimeUnit.SECONDS);
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    reapLeftovers();
  }

  /** After the process died: kill what it left behind (shells, commands) in its group or not. */
  void reapLeftovers() {
    if (!ProcessControl.isSupported()) {
      process.descendants().forEach(ProcessHandle::destroyForcibly);
      return;
    }
    signalGroup(Signal.SIGKILL);
    int swept = ProcessControl.killByEnvironment(MARKER_VARIABLE, marker);
    if (swept > 0) {
      log.info("{}: killed {} leftover process(es) of app-server generation {}", name, swept,
          generation);
    }
    // gone and swept: nothing of it is left for the next incarnation to kill
    try {
      registration.unregister(process.pid());
    } catch (RuntimeException e) {
      log.warn("{}: could not unregister pid {}: {}", name, process.pid(), e.toString());
    }
  }

  private static void register(ProcessRegistration registration, long pid, String label,
      String marker) {
    try {
      registration.register(pid, label, MARKER_VARIABLE, marker);
    } catch (RuntimeException e) {
      log.warn("{}: could not register pid {}: {}", label, pid, e.toString());
    }
  }

  private void signalGroup(Signal signal) {
    if (ProcessControl.isSupported()) {
      try {
        ProcessControl.signalGroup(process.pid(), signal);
      } catch (IllegalStateException e) {
        log.warn("{}: {}", name, e.getMessage());
      }
    } else if (signal == Signal.SIGKILL) {
      process.destroyForcibly();
    } else {
      process.destroy();
    }
  }

  synchronized String stderrTail() {
    return String.join("\n", stderrTail);
  }

  private void startPumps(JsonRpcCodec codec, Sink sink) {
    BlockingThreads.start(name + "-stdout-" + generation, () -> pumpStdout(codec, sink));
    BlockingThreads.start(name + "-stderr-" + generation, this::pumpStderr);
  }

  private void pumpStdout(JsonRpcCodec codec, Sink sink) {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8), 1 << 16)) {
      String line;
      while ((line = reader.readLine()) != null) {
        if (line.isBlank()) {
          continue;
        }
        try {
          deliver(codec.decode(line), codec, sink);
        } catch (MalformedMessageException e) {
          sink.garbage(generation, e.getMessage());
        }
      }
    } catch (IOException e) {
      log.debug("{}: stdout closed: {}", name, e.getMessage());
    }
    sink.exited(generation, awaitExitDescription());
  }

  private void deliver(JsonRpcMessage message, JsonRpcCodec codec, Sink sink) {
    if (message instanceof JsonRpcMessage.Notification notification) {
      sink.notification(generation, CodexNotification.decode(notification, codec));
    } else if (message instanceof JsonRpcMessage.Request request) {
      sink.request(generation, CodexRequest.decode(request, codec));
    } else {
      sink.answer(generation, message);
    }
  }

  private void pumpStderr() {
    try (BufferedReader reader = new BufferedReader(
        new InputStreamReader(process.getErrorStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = reader.readLine()) != null) {
        rememberStderr(line);
        log.info("{} (codex stderr): {}", name, line);
      }
    } catch (IOException e) {
      log.debug("{}: stderr closed: {}", name, e.getMessage());
    }
  }

  private synchronized void rememberStderr(String line) {
    if (stderrTail.size() == STDERR_TAIL_LINES) {
      stderrTail.removeFirst();
    }
    stderrTail.addLast(line);
  }

  private String awaitExitDescription() {
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        return "closed its stdout but is still running (pid " + process.pid() + ")";
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "stdout closed (interrupted while waiting for exit)";
    }
    return describeExit(process.exitValue());
  }

  /** Java reports death by signal N as 128+N. */
  static String describeExit(int code) {
    if (code > 128 && code < 128 + 65) {
      int signal = code - 128;
      String name = switch (signal) {
        case 9 -> "SIGKILL";
        case 15 -> "SIGTERM";
        case 6 -> "SIGABRT";
        case 11 -> "SIGSEGV";
        case 2 -> "SIGINT";
        case 1 -> "SIGHUP";
        default -> "signal " + signal;
      };
      return "killed by " + name + " (exit status " + code + ")";
    }
    return "exited with status " + code;
  }

}
