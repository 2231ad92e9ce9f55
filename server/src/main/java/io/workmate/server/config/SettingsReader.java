package io.workmate.server.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Reads single values of the {@code workmate} tree for {@link WorkmateSettings}. Every value comes
 * from the config: its default is in the HOCON files ({@code application.conf} and its includes),
 * nowhere else. A value that is missing, of the wrong type or out of range is a problem naming
 * its key; the problems are collected, so one run of the CLI shows everything to fix. A reader
 * answers {@code null} for a value it could not read, and {@link #clean()} is false from then on:
 * the caller builds nothing from such values, {@link #throwIfAny()} ends the reading.
 */
final class SettingsReader {

  private final Config config;
  private final List<String> problems = new ArrayList<>();

  SettingsReader(Config config) {
    this.config = config;
  }

  Config config() {
    return config;
  }

  String string(String key) {
    return read(key, () -> config.getString(key));
  }

  /** A string that must not be blank; {@code what} says what it names. */
  String nonBlank(String key, String what) {
    String value = string(key);
    if (value != null && value.isBlank()) {
      problems.add(key + " must be " + what + ", got an empty value");
      return null;
    }
    return value;
  }

  Boolean flag(String key) {
    return read(key, () -> config.getBoolean(key));
  }

  Integer integer(String key, int min, int max) {
    Integer value = read(key, () -> config.getInt(key));
    if (value != null && (value < min || value > max)) {
      problems.add(key + " must be within " + min + ".." + max + ", got " + value);
      return null;
    }
    return value;
  }

  Double decimal(String key, double min, double max) {
    Double value = read(key, () -> config.getDouble(key));
    if (value != null && (value < min || value > max)) {
      problems.add(key + " must be within " + min + ".." + max + ", got " + value);
      return null;
    }
    return value;
  }

  /** A duration above zero. */
  Duration positive(String key) {
    Duration value = read(key, () -> config.getDuration(key));
    if (value != null && (value.isNegative() || value.isZero())) {
      problems.add(key + " must be a positive duration such as 30s or 5m, got " + value);
      return null;
    }
    return value;
  }

  /** A duration within {@code min..max}, which {@code range} writes as the README does. */
  Duration duration(String key, Duration min, Duration max, String range) {
    Duration value = read(key, () -> config.getDuration(key));
    if (value != null && (value.compareTo(min) < 0 || value.compareTo(max) > 0)) {
      problems.add(key + " must be within " + range + ", got " + value);
      return null;
    }
    return value;
  }

  /** A string turned into a value by {@code parser}, whose exception message is the problem. */
  <T> T parsed(String key, Function<String, T> parser) {
    return read(key, () -> parser.apply(config.getString(key)));
  }

  /**
   * Whatever {@code reader} builds; a {@link ConfigException} or a runtime exception it throws
   * becomes a problem under {@code key}.
   */
  <T> T read(String key, Supplier<T> reader) {
    try {
      return reader.get();
    } catch (ConfigException.Missing e) {
      problems.add(key + " is missing");
    } catch (ConfigException e) {
      problems.add(key + ": " + e.getMessage().replaceFirst("^.*?: ", ""));
    } catch (RuntimeException e) {
      problems.add(key + ": " + e.getMessage());
    }
    return null;
  }

  void add(String problem) {
    problems.add(problem);
  }

  /** True while no problem was found: every value read so far is there. */
  boolean clean() {
    return problems.isEmpty();
  }

  void throwIfAny() {
    if (!problems.isEmpty()) {
      throw new InvalidSettingsException(problems);
    }
  }
}
