package io.workmate.server.architecture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * {@code docs/architecture.md}'s actor tree names real actors: every name in it is written in a
 * class that spawns actors ({@code "name"}, or {@code "prefix-" + ...} for a name such as
 * {@code agent-<id>-<n>} or {@code app-server-1}), and every class it names exists. A renamed
 * actor fails this test until the document follows. Entries in parentheses (anonymous actors,
 * one per invocation) are not checked by name.
 */
class ActorTreeDocTest {

  private static final Path ROOT = Path.of(System.getProperty("workmate.home", "../"))
      .toAbsolutePath().normalize();
  /** {@code ├── name   Class ...}: the name, then the class after the padding. */
  private static final Pattern TREE_LINE =
      Pattern.compile("^[│ ]*[├└]── (\\S+)(?: \\.\\.\\.)?\\s+(\\S+)");
  private static final Pattern LITERAL = Pattern.compile("\"([^\"]*)\"");

  @Test
  void everyActorInTheTreeIsSpawnedUnderThatNameAndItsClassExists() throws IOException {
    String doc = Files.readString(ROOT.resolve("docs/architecture.md"));
    String tree = doc.substring(doc.indexOf("## Actor tree"));
    tree = tree.substring(tree.indexOf("```") + 3);
    tree = tree.substring(0, tree.indexOf("```"));
    Set<String> spawned = spawnedNames();
    Set<String> classes = classNames();
    List<String> missing = new ArrayList<>();
    int checked = 0;
    for (String line : tree.split("\n")) {
      Matcher matcher = TREE_LINE.matcher(line);
      if (!matcher.find() || matcher.group(1).startsWith("(")) {
        continue;
      }
      checked++;
      String name = matcher.group(1);
      if (!isSpawned(name, spawned)) {
        missing.add("no actor is spawned as '" + name + "'");
      }
      String type = matcher.group(2).replaceAll("[^A-Za-z]", "");
      if (!matcher.group(2).startsWith("(") && !type.isEmpty() && !classes.contains(type)) {
        missing.add("'" + name + "' names class " + type + ", which does not exist");
      }
    }
    assertTrue(checked >= 20, "the tree was not found or not parsed: " + checked + " lines");
    assertEquals(List.of(), missing, "docs/architecture.md's actor tree is out of date");
  }

  /** A literal name, or a name built on a literal prefix ({@code "agent-" + id}). */
  private static boolean isSpawned(String name, Set<String> spawned) {
    if (spawned.contains(name)) {
      return true;
    }
    return spawned.stream().filter(literal -> literal.endsWith("-+"))
        .map(literal -> literal.substring(0, literal.length() - 1))
        .anyMatch(prefix -> name.startsWith(prefix) && name.length() > prefix.length());
  }

  /**
   * The string literals of the files that spawn actors, where names are written (often handed
   * to a small spawning method first): {@code "x"}, or {@code "x+"} when the code appends to it.
   */
  private static Set<String> spawnedNames() {
    Set<String> names = new TreeSet<>();
    for (Path source : sources()) {
      String code = read(source);
      if (!code.contains(".spawn(")) {
        continue;
      }
      Matcher literal = LITERAL.matcher(code);
      while (literal.find()) {
        String rest = code.substring(literal.end()).stripLeading();
        names.add(literal.group(1) + (rest.startsWith("+") ? "+" : ""));
      }
    }
    return names;
  }

  private static Set<String> classNames() {
    Set<String> names = new TreeSet<>();
    for (Path source : sources()) {
      names.add(source.getFileName().toString().replace(".java", ""));
    }
    return names;
  }

  private static List<Path> sources() {
    List<Path> all = new ArrayList<>();
    for (String module : List.of("actors", "server")) {
      try (Stream<Path> files = Files.walk(ROOT.resolve(module).resolve("src/main/java"))) {
        files.filter(path -> path.toString().endsWith(".java")).forEach(all::add);
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return all;
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
