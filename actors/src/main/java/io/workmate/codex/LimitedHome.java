package io.workmate.codex;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The HOME of a limited agent's app-servers: its shell files apply the agent's
 * {@link CommandLimits} before every command. Codex runs commands in bash in three ways, and each
 * reads a different file (checked with codex 0.169.0): a login shell ({@code bash -lc}, before
 * the thread's shell snapshot exists) reads {@code .bash_profile}; {@code bash -c} after the
 * snapshot reads {@code $BASH_ENV}; under the sandbox stdin is a socket, so bash takes itself for
 * an rshd child and reads {@code .bashrc} instead of {@code $BASH_ENV}. All three source one file.
 */
public final class LimitedHome {

  /** The file the three shell files source; {@code BASH_ENV} names it too. */
  static final String LIMITS_FILE = ".workmate-limits";

  private LimitedHome() {}

  /** Writes the files under {@code home} and returns the path of the limits file. */
  public static Path write(Path home, String agent, CommandLimits limits) {
    try {
      Files.createDirectories(home);
      Path file = home.resolve(LIMITS_FILE);
      Files.writeString(file, "# written by Workmate: the command limits of agent " + agent
          + " (" + limits.describe() + ")\n" + limits.profile());
      String source = "# written by Workmate: codex runs shells here\n. '" + file + "'\n";
      for (String profile : new String[] {".profile", ".bash_profile", ".bashrc"}) {
        Files.writeString(home.resolve(profile), source);
      }
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the limits profile under " + home, e);
    }
  }
}
