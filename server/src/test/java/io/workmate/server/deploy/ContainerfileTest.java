package io.workmate.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * deploy/Containerfile is not built here (there is no container runtime), so this checks what can
 * be checked without one: every file it copies from the checkout and every script it runs exists
 * (scripts executable), every path copied from the build stage is something that stage has or
 * makes, every Debian package it installs is in Debian 12's package index, every command it runs
 * exists on this Debian 12 machine or comes with a package the stage installs, the base is
 * Debian, it runs scripts/setup, the image codex runs in has bubblewrap, and the HEALTHCHECK's
 * tool is installed.
 */
class ContainerfileTest {

  private static final Set<String> SHELL_BUILTINS =
      Set.of("cd", "set", "echo", "exit", "test", "[", "true", "false", "export", ":");

  private static Containerfile file;

  @BeforeAll
  static void parse() throws IOException {
    file = Containerfile.parse(Files.readString(DeployFiles.deploy("Containerfile")));
    assertFalse(file.stages().isEmpty(), "no FROM in deploy/Containerfile");
  }

  @Test
  void everyStageIsBasedOnDebian12() {
    for (Containerfile.Stage stage : file.stages()) {
      if (file.stage(stage.base()).isEmpty()) {
        assertTrue(stage.base().matches("debian:(bookworm|12)(-slim)?(@sha256:[0-9a-f]+)?"),
            "stage " + stage.name() + " is based on " + stage.base() + ", not Debian 12");
      }
    }
  }

  @Test
  void everyCopiedPathExists() throws IOException {
    List<String> problems = new ArrayList<>();
    for (Containerfile.Stage stage : file.stages()) {
      for (Containerfile.Copy copy : stage.copies()) {
        for (String source : copy.sources()) {
          if (source.contains("*") || source.contains("?")) {
            problems.add(stage.name() + ": COPY " + source + ": globs are not checked; name paths");
          } else if (copy.from() == null) {
            Path path = DeployFiles.repo().resolve(source).normalize();
            if (!path.startsWith(DeployFiles.repo()) || !Files.exists(path)) {
              problems.add(stage.name() + ": COPY " + source + ": not in the checkout");
            }
          } else {
            Optional<Containerfile.Stage> from = file.stageBefore(copy.from(), stage);
            if (from.isEmpty()) {
              problems.add(stage.name() + ": COPY --from=" + copy.from() + ": no such stage before");
            } else {
              file.resolve(from.get(), source).problem()
                  .ifPresent(p -> problems.add(stage.name() + ": COPY --from=" + copy.from()
                      + " " + source + ": " + p));
            }
          }
        }
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void everyCommandItRunsExists() {
    List<String> problems = new ArrayList<>();
    for (Containerfile.Stage stage : file.stages()) {
      for (Containerfile.Run run : stage.runs()) {
        for (List<String> command : Containerfile.commands(run.text())) {
          checkCommand(stage, run.workdir(), command.get(0), problems);
        }
      }
    }
    Containerfile.Stage last = file.last();
    List<String> entrypoint = new ArrayList<>(last.entrypoint());
    entrypoint.addAll(last.cmd());
    assertFalse(entrypoint.isEmpty(), "the final stage has no ENTRYPOINT or CMD");
    checkCommand(last, last.workdir(), entrypoint.get(0), problems);
    for (String word : entrypoint.subList(1, entrypoint.size())) {
      if (word.startsWith("/")) {
        checkCommand(last, last.workdir(), word, problems);
      }
    }
    assertEquals(List.of(), problems);
  }

  @Test
  void itRunsScriptsSetup() {
    boolean runsSetup = file.stages().stream().anyMatch(stage -> stage.runs().stream()
        .flatMap(run -> Containerfile.commands(run.text()).stream()
            .map(command -> file.resolve(stage, Containerfile.absolute(run.workdir(),
                command.get(0)))))
        .anyMatch(found -> "scripts/setup".equals(found.repoPath().orElse(""))));
    assertTrue(runsSetup, "no stage runs scripts/setup from the checkout");
  }

  @Test
  void everyDebianPackageItInstallsIsInThePackageIndex() throws Exception {
    Set<String> packages = new TreeSet<>();
    file.stages().forEach(stage -> packages.addAll(stage.packages()));
    assertFalse(packages.isEmpty(), "no apt-get install found");
    List<String> command = new ArrayList<>(List.of("apt-cache", "show", "--no-all-versions"));
    command.addAll(packages);
    DeployFiles.Result shown = DeployFiles.run(command, 120);
    Set<String> found = new TreeSet<>(shown.stdout().lines()
        .filter(line -> line.startsWith("Package: "))
        .map(line -> line.substring("Package: ".length()).trim()).toList());
    List<String> unknown = packages.stream().filter(pkg -> !found.contains(pkg)).toList();
    assertEquals(List.of(), unknown, "not in this Debian 12 machine's package index (apt-cache "
        + "show failed; an empty index needs apt-get update, which scripts/setup runs as root)");
  }

  @Test
  void theImageCodexRunsInHasBubblewrapJavaAndGit() {
    Set<String> installed = file.last().packages();
    for (String pkg : List.of("bubblewrap", "util-linux", "git")) {
      assertTrue(installed.contains(pkg), "the final stage does not install " + pkg);
    }
    assertTrue(installed.stream().anyMatch(p -> p.startsWith("openjdk-17-")),
        "the final stage installs no Java 17: " + installed);
  }

  @Test
  void theHealthcheckAsksReadyWithAToolTheImageHas() throws Exception {
    List<String> check = file.last().healthcheck();
    assertFalse(check.isEmpty(), "the final stage has no HEALTHCHECK CMD");
    assertTrue(String.join(" ", check).contains("/v1/ready"), "HEALTHCHECK must ask /v1/ready");
    String tool = check.get(0);
    String pkg = packageOf(tool);
    assertTrue(file.last().packages().contains(pkg),
        "the HEALTHCHECK runs " + tool + " (package " + pkg + "), which the final stage does not"
            + " install: " + file.last().packages());
  }

  @Test
  void itRunsAsTheUserItCreates() {
    Containerfile.Stage last = file.last();
    String user = last.user();
    assertFalse(user == null || user.equals("root") || user.equals("0"),
        "the final stage must run as a user of its own, not " + user);
    boolean created = last.runs().stream().flatMap(run -> Containerfile.commands(run.text())
        .stream()).anyMatch(command -> command.get(0).equals("useradd")
        && command.get(command.size() - 1).equals(user));
    assertTrue(created, "no RUN useradd ... " + user + " in the final stage");
  }

  // ---- helpers ----

  private void checkCommand(Containerfile.Stage stage, String workdir, String word,
      List<String> problems) {
    if (SHELL_BUILTINS.contains(word)) {
      return;
    }
    if (word.contains("/")) {
      Containerfile.Found found = file.resolve(stage, Containerfile.absolute(workdir, word));
      if (found.repoPath().isPresent()) {
        Path script = DeployFiles.repo().resolve(found.repoPath().get());
        if (!Files.isRegularFile(script) || !Files.isExecutable(script)) {
          problems.add(stage.name() + ": runs " + word + ": " + script
              + " is not an executable file");
        }
        return;
      }
      if (found.problem().isEmpty()) {
        return; // made by an earlier step of the build (scripts/setup)
      }
      // a system path: present on this Debian 12 machine, or named after a package it installs
      String name = Path.of(word).getFileName().toString();
      if (!Files.isExecutable(Path.of(word)) && !stage.packages().contains(name)) {
        problems.add(stage.name() + ": runs " + word + ": not on this Debian machine and no"
            + " package of that name is installed in the stage");
      }
      return;
    }
    if (onPath(word).isEmpty() && !stage.packages().contains(word)) {
      problems.add(stage.name() + ": runs " + word
          + ": not on this Debian machine and no package of that name is installed in the stage");
    }
  }

  private static Optional<Path> onPath(String command) {
    return DeployFiles.onPath(command)
        .or(() -> Set.of("/usr/sbin", "/sbin").stream().map(dir -> Path.of(dir, command))
            .filter(Files::isExecutable).findFirst());
  }

  /** The Debian package that ships {@code tool} here (dpkg -S), else a package of that name. */
  private static String packageOf(String tool) throws Exception {
    Optional<Path> path = onPath(tool);
    if (path.isPresent()) {
      DeployFiles.Result owner =
          DeployFiles.run(List.of("dpkg-query", "-S", path.get().toRealPath().toString()), 30);
      if (owner.exitCode() == 0 && owner.stdout().contains(":")) {
        return owner.stdout().lines().findFirst().orElseThrow().split(":")[0].trim();
      }
    }
    return tool;
  }

  /** A Containerfile parsed far enough for these checks. */
  record Containerfile(List<Stage> stages) {

    record Copy(String from, List<String> sources, String dest, String workdir) {}

    record Run(String text, String workdir) {}

    record Found(Optional<String> repoPath, Optional<String> problem) {}

    record Stage(String name, String base, List<Copy> copies, List<Run> runs,
        Set<String> packages, List<String> healthcheck, List<String> entrypoint,
        List<String> cmd, String[] state) {

      String workdir() {
        return state[0];
      }

      String user() {
        return state[1];
      }
    }

    static Containerfile parse(String text) {
      List<Stage> stages = new ArrayList<>();
      Stage stage = null;
      for (String instruction : instructions(text)) {
        String[] parts = instruction.split("\\s+", 2);
        String keyword = parts[0].toUpperCase(java.util.Locale.ROOT);
        String args = parts.length > 1 ? parts[1].trim() : "";
        if (keyword.equals("FROM")) {
          List<String> words = words(args);
          String name = words.size() >= 3 && words.get(1).equalsIgnoreCase("AS") ? words.get(2)
              : "stage " + stages.size();
          stage = new Stage(name, words.get(0), new ArrayList<>(), new ArrayList<>(),
              new LinkedHashSet<>(), new ArrayList<>(), new ArrayList<>(), new ArrayList<>(),
              new String[] {"/", "root"});
          stages.add(stage);
          continue;
        }
        if (stage == null) {
          continue; // ARG before FROM
        }
        switch (keyword) {
          case "WORKDIR" -> stage.state()[0] = absolute(stage.workdir(), args);
          case "USER" -> stage.state()[1] = args.split(":")[0];
          case "COPY", "ADD" -> {
            List<String> words = jsonOrWords(args);
            String from = null;
            List<String> paths = new ArrayList<>();
            for (String word : words) {
              if (word.startsWith("--from=")) {
                from = word.substring("--from=".length());
              } else if (!word.startsWith("--")) {
                paths.add(word);
              }
            }
            stage.copies().add(new Copy(from, paths.subList(0, paths.size() - 1),
                paths.get(paths.size() - 1), stage.workdir()));
          }
          case "RUN" -> {
            stage.runs().add(new Run(args, stage.workdir()));
            for (List<String> command : commands(args)) {
              int install = command.indexOf("install");
              if (command.get(0).equals("apt-get") && install > 0) {
                command.subList(install + 1, command.size()).stream()
                    .filter(word -> !word.startsWith("-")).forEach(stage.packages()::add);
              }
            }
          }
          case "HEALTHCHECK" -> {
            List<String> words = jsonOrWords(args.replaceFirst("^(--\\S+\\s+)*", ""));
            if (!words.isEmpty() && words.get(0).equals("CMD")) {
              String rest = args.substring(args.indexOf("CMD") + 3).trim();
              stage.healthcheck().clear();
              stage.healthcheck().addAll(rest.startsWith("[") ? jsonOrWords(rest)
                  : commands(rest).get(0));
            }
          }
          case "ENTRYPOINT" -> {
            stage.entrypoint().clear();
            stage.entrypoint().addAll(jsonOrWords(args));
          }
          case "CMD" -> {
            stage.cmd().clear();
            stage.cmd().addAll(jsonOrWords(args));
          }
          default -> { }
        }
      }
      return new Containerfile(stages);
    }

    Optional<Stage> stage(String name) {
      return stages.stream().filter(s -> s.name().equals(name)).findFirst();
    }

    Optional<Stage> stageBefore(String name, Stage current) {
      return stages.subList(0, stages.indexOf(current)).stream()
          .filter(s -> s.name().equals(name)).findFirst();
    }

    Stage last() {
      return stages.get(stages.size() - 1);
    }

    /**
     * Where {@code path} in {@code stage} comes from: a file of the checkout (through COPY), what
     * scripts/setup makes where it runs, or nothing known (a system path, or a mistake).
     */
    Found resolve(Stage stage, String path) {
      for (Run run : stage.runs()) {
        boolean runsSetup = commands(run.text()).stream()
            .anyMatch(command -> absolute(run.workdir(), command.get(0))
                .equals(absolute(run.workdir(), "scripts/setup")));
        if (runsSetup) {
          for (String product : setupProducts()) {
            String made = absolute(run.workdir(), product);
            if (path.equals(made) || path.startsWith(made + "/")) {
              return new Found(Optional.empty(), Optional.empty());
            }
          }
        }
      }
      Copy best = null;
      String bestTarget = null;
      for (Copy copy : stage.copies()) {
        for (String source : copy.sources()) {
          String target = absolute(copy.workdir(), copy.dest());
          if (copy.dest().endsWith("/") && isFile(copy, source)) {
            target = target + "/" + Path.of(source).getFileName();
          }
          if ((path.equals(target) || path.startsWith(target + "/"))
              && (bestTarget == null || target.length() > bestTarget.length())) {
            best = new Copy(copy.from(), List.of(source), copy.dest(), copy.workdir());
            bestTarget = target;
          }
        }
      }
      if (best == null) {
        return new Found(Optional.empty(),
            Optional.of("nothing in stage " + stage.name() + " puts " + path + " there"));
      }
      String source = best.sources().get(0);
      String rest = path.substring(bestTarget.length());
      if (best.from() == null) {
        String repoPath = Path.of(source + rest).normalize().toString();
        return Files.exists(DeployFiles.repo().resolve(repoPath))
            ? new Found(Optional.of(repoPath), Optional.empty())
            : new Found(Optional.empty(), Optional.of(repoPath + " is not in the checkout"));
      }
      Optional<Stage> from = stageBefore(best.from(), stage);
      return from.isPresent() ? resolve(from.get(), source + rest)
          : new Found(Optional.empty(), Optional.of("no stage " + best.from()));
    }

    private static boolean isFile(Copy copy, String source) {
      return copy.from() == null && Files.isRegularFile(DeployFiles.repo().resolve(source));
    }

    /**
     * What scripts/setup leaves in the checkout, read from the files that decide it: the tools
     * directory (.tools, its default) and the runtime classpath (server/target/lib, where the
     * server pom puts its jar and dependencies on mvn package).
     */
    private static List<String> setupProducts() {
      try {
        String setup = Files.readString(DeployFiles.repo().resolve("scripts/setup"));
        String pom = Files.readString(DeployFiles.repo().resolve("server/pom.xml"));
        List<String> products = new ArrayList<>();
        if (setup.contains("TOOLS=\"${WORKMATE_TOOLS_DIR:-$ROOT/.tools}\"")) {
          products.add(".tools");
        }
        if (setup.contains("package") && pom.contains(
            "<outputDirectory>${project.build.directory}/lib</outputDirectory>")) {
          products.add("server/target/lib");
        }
        return products;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }

    static String absolute(String workdir, String path) {
      Path resolved = Path.of(workdir).resolve(path).normalize();
      return resolved.toString();
    }

    /** The instructions, continuation lines joined and comment lines dropped. */
    static List<String> instructions(String text) {
      List<String> instructions = new ArrayList<>();
      StringBuilder current = new StringBuilder();
      for (String raw : text.split("\n")) {
        String line = raw.strip();
        if (line.startsWith("#") || (line.isEmpty() && current.length() == 0)) {
          continue;
        }
        if (line.endsWith("\\")) {
          current.append(line, 0, line.length() - 1).append(' ');
          continue;
        }
        current.append(line);
        if (!current.toString().isBlank()) {
          instructions.add(current.toString().trim());
        }
        current.setLength(0);
      }
      return instructions;
    }

    /** The simple commands of a shell line: split at && || ; |, leading VAR=value dropped. */
    static List<List<String>> commands(String shell) {
      List<List<String>> commands = new ArrayList<>();
      for (String part : shell.split("&&|\\|\\||;|\\|")) {
        List<String> words = new ArrayList<>(words(part));
        while (!words.isEmpty() && words.get(0).matches("[A-Za-z_][A-Za-z0-9_]*=.*")) {
          words.remove(0);
        }
        if (!words.isEmpty()) {
          commands.add(words);
        }
      }
      return commands;
    }

    /** Whitespace-separated words; quotes group and are removed; a >redirect ends the words. */
    static List<String> words(String text) {
      List<String> words = new ArrayList<>();
      StringBuilder word = new StringBuilder();
      char quote = 0;
      boolean inWord = false;
      for (char c : text.toCharArray()) {
        if (quote != 0) {
          if (c == quote) {
            quote = 0;
          } else {
            word.append(c);
          }
        } else if (c == '"' || c == '\'') {
          quote = c;
          inWord = true;
        } else if (Character.isWhitespace(c)) {
          if (inWord) {
            words.add(word.toString());
            word.setLength(0);
            inWord = false;
          }
        } else if (c == '>' && !inWord) {
          break;
        } else {
          word.append(c);
          inWord = true;
        }
      }
      if (inWord) {
        words.add(word.toString());
      }
      return words;
    }

    /** The exec form ["a", "b"] or the words of the shell form. */
    static List<String> jsonOrWords(String args) {
      String trimmed = args.trim();
      if (trimmed.startsWith("[") && trimmed.endsWith("]")) {
        List<String> words = new ArrayList<>();
        for (String item : trimmed.substring(1, trimmed.length() - 1).split(",")) {
          String word = item.trim();
          if (word.length() < 2 || !word.startsWith("\"") || !word.endsWith("\"")) {
            fail("cannot read the exec form " + args);
          }
          words.add(word.substring(1, word.length() - 1));
        }
        return words;
      }
      return words(trimmed);
    }
  }
}
