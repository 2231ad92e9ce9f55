package io.workmate.persistence;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The statements of a DDL script shipped as a resource. Deliberately simple: whole-line
 * {@code --} comments are dropped and a statement ends with {@code ;} at the end of a line,
 * which is all our own scripts use (no semicolons inside literals or function bodies).
 */
final class SqlScript {

  private static final Pattern COMMENT_LINE = Pattern.compile("(?m)^\\s*--.*$");
  private static final Pattern STATEMENT_END = Pattern.compile("(?m);\\s*$");

  private SqlScript() {}

  static List<String> statements(String script) {
    String withoutComments = COMMENT_LINE.matcher(script).replaceAll("");
    return Arrays.stream(STATEMENT_END.split(withoutComments))
        .map(String::strip)
        .filter(statement -> !statement.isEmpty())
        .toList();
  }

  static String load(String resource) {
    try (InputStream in = SqlScript.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing resource " + resource);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read " + resource, e);
    }
  }
}
