package io.workmate.server;

import io.workmate.server.cli.AgentsCommand;
import io.workmate.server.cli.ApproveCommand;
import io.workmate.server.cli.DiffCommand;
import io.workmate.server.cli.FollowUpCommand;
import io.workmate.server.cli.MergeCommand;
import io.workmate.server.cli.CancelCommand;
import io.workmate.server.cli.ExportCommand;
import io.workmate.server.cli.ImportCommand;
import io.workmate.server.cli.JobCommand;
import io.workmate.server.cli.JobsCommand;
import io.workmate.server.cli.ModeCommand;
import io.workmate.server.cli.RunCommand;
import io.workmate.server.cli.ServeCommand;
import io.workmate.server.cli.StatusCommand;
import io.workmate.server.cli.ScriptedProviderCommand;
import io.workmate.server.cli.SubmitCommand;
import io.workmate.server.config.InvalidSettingsException;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code workmate} command line. */
@Command(name = "workmate", mixinStandardHelpOptions = true,
    versionProvider = Main.Version.class,
    description = "Runs many Codex agents at once, online or offline.",
    subcommands = {RunCommand.class, ServeCommand.class, StatusCommand.class, ModeCommand.class,
        SubmitCommand.class, JobsCommand.class, JobCommand.class, CancelCommand.class,
        ApproveCommand.class, DiffCommand.class, FollowUpCommand.class, MergeCommand.class,
        AgentsCommand.class, ExportCommand.class, ImportCommand.class,
        ScriptedProviderCommand.class})
public final class Main implements java.util.concurrent.Callable<Integer> {

  public static void main(String[] args) {
    // SLF4J replays early log calls with a warning unless it is initialised first
    org.slf4j.LoggerFactory.getILoggerFactory();
    System.exit(execute(args));
  }

  public static int execute(String... args) {
    CommandLine commandLine = new CommandLine(new Main());
    commandLine.setExecutionExceptionHandler((exception, cmd, parsed) -> {
      if (exception instanceof InvalidSettingsException invalid) {
        cmd.getErr().println("workmate: invalid configuration:");
        invalid.problems().forEach(problem -> cmd.getErr().println("  - " + problem));
        return 2;
      }
      cmd.getErr().println("workmate: " + exception);
      return 1;
    });
    return commandLine.execute(args);
  }

  /** No command given: show what there is, and fail like any other usage error. */
  @Override
  public Integer call() {
    new CommandLine(this).usage(System.err);
    return 2;
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"workmate " + io.workmate.codex.WorkmateVersion.current()};
    }
  }
}
