package io.workmate.codex.schema;

import java.lang.annotation.Annotation;
import java.net.URI;
import java.nio.file.FileSystem;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * Finds the classes of the annotation's own package (io.workmate.protocol.codex) that carry it,
 * whether that package is on the class path as a directory (reactor build) or inside the
 * protocol jar (single-module build). Top-level classes come from the class files; nested ones
 * from {@link Class#getDeclaredClasses()}.
 */
final class WireRecordScan {

  private WireRecordScan() {}

  static Set<Class<?>> annotatedClasses(Class<? extends Annotation> annotation) throws Exception {
    Set<Class<?>> found = new LinkedHashSet<>();
    for (Class<?> topLevel : topLevelClasses(annotation)) {
      collectAnnotated(topLevel, annotation, found);
    }
    return found;
  }

  private static void collectAnnotated(
      Class<?> type, Class<? extends Annotation> annotation, Set<Class<?>> found) {
    if (type.isAnnotationPresent(annotation)) {
      found.add(type);
    }
    for (Class<?> nested : type.getDeclaredClasses()) {
      collectAnnotated(nested, annotation, found);
    }
  }

  private static List<Class<?>> topLevelClasses(Class<?> member) throws Exception {
    String packageName = member.getPackageName();
    URI codeSource = member.getProtectionDomain().getCodeSource().getLocation().toURI();
    Path location = Path.of(codeSource);
    if (Files.isDirectory(location)) {
      return classesIn(location.resolve(packageName.replace('.', '/')), packageName, member);
    }
    try (FileSystem jar = FileSystems.newFileSystem(location)) {
      return classesIn(jar.getPath(packageName.replace('.', '/')), packageName, member);
    }
  }

  private static List<Class<?>> classesIn(Path dir, String packageName, Class<?> member)
      throws Exception {
    List<Class<?>> classes = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : files.sorted().toList()) {
        String name = file.getFileName().toString();
        if (name.endsWith(".class") && !name.contains("$") && !name.equals("package-info.class")) {
          String className = packageName + "." + name.substring(0, name.length() - 6);
          classes.add(Class.forName(className, false, member.getClassLoader()));
        }
      }
    }
    return classes;
  }
}
