package io.workmate.server.cli;

import io.workmate.persistence.JournalConfig;
import io.workmate.persistence.JournalKind;
import io.workmate.persistence.JournalSettings;
import io.workmate.server.service.DataDirLock;
import io.workmate.server.service.LedgerShards;
import io.workmate.server.transfer.DataDirExport;
import io.workmate.server.transfer.ExportFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code workmate export --out FILE}: writes what a stopped service's data dir holds (agents,
 * memory, jobs) to an {@link ExportFile}, e.g. to move it into a cluster with
 * {@code workmate import}.
 */
@Command(name = "export", mixinStandardHelpOptions = true,
    description = "Write the agents, agent memory and jobs of a stopped service's data dir to a "
        + "file (JSON lines), e.g. to move them into a cluster with `workmate import`. The "
        + "service must be stopped: the data dir is locked while it runs.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {"0:written", "2:invalid arguments or configuration, or no journal to read",
        "5:the data dir is in use by a running service, or its journal cannot be read"})
public final class ExportCommand extends CommonOptions implements Callable<Integer> {

  @Option(names = {"-o", "--out"}, required = true, paramLabel = "FILE",
      description = "Where to write the export (replaced if it exists).")
  Path out;

  @Override
  public Integer call() {
    if (settings().cluster().enabled()) {
      return usageError("export reads the data dir of a single service; this configuration is "
          + "a cluster node (workmate.cluster.enabled)");
    }
    Path dataDir = settings().dataDir();
    JournalSettings journal;
    try {
      journal = JournalSettings.fromConfig(config(), dataDir);
    } catch (RuntimeException e) {
      return usageError("invalid journal configuration: " + e.getMessage());
    }
    if (journal.kind() == JournalKind.H2 && !Files.exists(Path.of(journal.h2Path() + ".mv.db"))) {
      return usageError("nothing to export: there is no journal at " + journal.h2Path()
          + ".mv.db (is " + dataDir + " the service's data dir?)");
    }
    try (DataDirLock lock = DataDirLock.acquire(dataDir)) {
      int shards = LedgerShards.recorded(dataDir);
      List<ExportFile.Line> lines = DataDirExport.read(
          JournalConfig.overlay(journal).withFallback(config()), shards, dataDir,
          Clock.systemUTC());
      ExportFile.write(out, lines);
      ExportFile.Header header = (ExportFile.Header) lines.get(0);
      long unfinished = lines.stream().filter(line -> line instanceof ExportFile.Job job
          && job.unfinished()).count();
      out().println("exported " + header.jobs() + " jobs (" + unfinished + " unfinished), "
          + header.agents() + " agents and the memory of " + header.memories() + " agents to "
          + out);
      return OK;
    } catch (DataDirLock.InUseException e) {
      err().println("workmate: " + e.getMessage() + "; stop the service before exporting");
      return DATA_DIR_UNAVAILABLE;
    } catch (DataDirExport.ExportFailed e) {
      err().println("workmate: " + e.getMessage());
      return JOURNAL_UNAVAILABLE;
    } catch (IOException e) {
      err().println("workmate: cannot write " + out + ": " + e.getMessage());
      return USAGE;
    }
  }
}
