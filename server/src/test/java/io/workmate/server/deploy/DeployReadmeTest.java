package io.workmate.server.deploy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.nio.file.Files;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The deploy docs and the environment file example do not drift from the settings. */
class DeployReadmeTest {

  /** NAME=value at the start of a line: set. */
  private static final Pattern SET = Pattern.compile("(?m)^([A-Z][A-Z0-9_]*)=");
  /** #NAME=value: shown commented out, as an option. */
  private static final Pattern OFFERED = Pattern.compile("(?m)^#([A-Z][A-Z0-9_]*)=");

  @Test
  void deployReadmeMentionsEveryVariableTheExampleSets() throws Exception {
    String example = Files.readString(DeployFiles.deploy("workmate.env.example"));
    String readme = Files.readString(DeployFiles.deploy("README.md"));
    Set<String> set = names(SET, example);
    assertFalse(set.isEmpty(), "workmate.env.example sets nothing");
    List<String> missing = new ArrayList<>();
    for (String name : set) {
      if (!Pattern.compile("\\b" + name + "\\b").matcher(readme).find()) {
        missing.add(name);
      }
    }
    assertEquals(List.of(), missing, "set in deploy/workmate.env.example, not in deploy/README.md");
  }

  @Test
  void theExampleNamesOnlyVariablesTheMainReadmeDocuments() throws Exception {
    String example = Files.readString(DeployFiles.deploy("workmate.env.example"));
    String readme = Files.readString(DeployFiles.repo().resolve("README.md"));
    Set<String> named = names(SET, example);
    named.addAll(names(OFFERED, example));
    List<String> undocumented = new ArrayList<>();
    for (String name : named) {
      if (!readme.contains("`" + name + "`")) {
        undocumented.add(name);
      }
    }
    assertEquals(List.of(), undocumented,
        "deploy/workmate.env.example names variables README.md does not document");
  }

  private static Set<String> names(Pattern pattern, String text) {
    Set<String> names = new TreeSet<>();
    Matcher matcher = pattern.matcher(text);
    while (matcher.find()) {
      names.add(matcher.group(1));
    }
    return names;
  }
}
