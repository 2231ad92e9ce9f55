package io.workmate.bench.workspaces;

import io.workmate.bench.common.Machine;
import io.workmate.workspaces.Git;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * {@code scripts/bench workspaces} (issue 16): the cost of isolation. How long {@code git
 * worktree add} and {@code git worktree remove} take for a repository of many files (the
 * commands a job's workspace runs), and the jobs/s of short Codex jobs (each writes one file)
 * through a real {@code bin/workmate serve}, in the same run: in the shared jobs directory, in a
 * git repository as their {@code cwd} (the same work without isolation), and each in a
 * workspace of its own. The goal compares the last two: what isolation costs.
 *
 * <pre>
 *   --files N        files in the repository of the worktree timing (default 10000)
 *   --rounds N       worktree add/remove rounds; the median is reported (default 10)
 *   --jobs N         jobs per throughput run (default 64)
 *   --concurrent N   workmate.jobs.max-concurrent of the service (default 8)
 *   --repeat N       throughput rounds, the variants taking turns; medians (default 3)
 * </pre>
 */
public final class WorkspacesBench {

  /** The goal: jobs with workspaces reach at least this share of those without. */
  static final double GOAL_RATIO = 0.8;

  private WorkspacesBench() {}

  public static void main(String[] args) throws Exception {
    int files = 10_000;
    int rounds = 10;
    int jobs = 64;
    int concurrent = 8;
    int repeat = 3;
    for (int i = 0; i < args.length; i++) {
      switch (args[i]) {
        case "--files" -> files = Integer.parseInt(args[++i]);
        case "--rounds" -> rounds = Integer.parseInt(args[++i]);
        case "--jobs" -> jobs = Integer.parseInt(args[++i]);
        case "--concurrent" -> concurrent = Integer.parseInt(args[++i]);
        case "--repeat" -> repeat = Integer.parseInt(args[++i]);
        case "-h", "--help" -> {
          System.out.println("scripts/bench workspaces [--files N] [--rounds N] [--jobs N] "
              + "[--concurrent N] [--repeat N]");
          return;
        }
        default -> {
          System.err.println("bench: unknown option " + args[i]);
          System.exit(2);
        }
      }
    }
    Git git = new Git("git");
    String version = git.checkVersion();
    Path dir = Files.createTempDirectory("workmate-bench-workspaces-");
    System.out.println("machine: " + Machine.describe() + "; git " + version);

    Path big = Repositories.create(git, dir.resolve("big"), files);
    List<Long> adds = new ArrayList<>();
    List<Long> removes = new ArrayList<>();
    for (int round = 0; round < rounds; round++) {
      Path worktree = dir.resolve("worktrees/round-" + round);
      long start = System.nanoTime();
      git.check(big, "worktree", "add", "-q", "-b", "bench/" + round, worktree.toString(),
          "HEAD");
      long added = System.nanoTime();
      git.check(big, "worktree", "remove", "--force", "--force", worktree.toString());
      long removed = System.nanoTime();
      adds.add((added - start) / 1_000_000);
      removes.add((removed - added) / 1_000_000);
    }
    System.out.printf("worktree of %,d files: add median %d ms (max %d), remove median %d ms "
        + "(max %d), %d rounds%n", files, median(adds), Collections.max(adds), median(removes),
        Collections.max(removes), rounds);

    Path small = Repositories.create(git, dir.resolve("repos/small"), 100);
    Path plain = Repositories.create(git, dir.resolve("repos/plain"), 100);
    JobRuns.Result result = JobRuns.run(dir, small, plain, jobs, concurrent, repeat);
    System.out.printf("%d short Codex jobs (each writes a file), max-concurrent %d, repositories "
        + "of 100 files; jobs/s and the machine's busy CPU ms per job, medians of %d rounds "
        + "(jobs/s of each round in order):%n", jobs, concurrent, repeat);
    for (JobRuns.Variant variant : JobRuns.Variant.values()) {
      System.out.printf("  %-40s %6.2f jobs/s %5.0f ms CPU/job  %s%n", variant.label + ":",
          result.median(variant), result.cpuMedian(variant), result.rates().get(variant)
              .stream().map(rate -> String.format("%.2f", rate)).toList());
    }
    double isolation = result.median(JobRuns.Variant.WORKSPACE)
        / result.median(JobRuns.Variant.IN_REPOSITORY);
    double overall = result.median(JobRuns.Variant.WORKSPACE)
        / result.median(JobRuns.Variant.SHARED_DIRECTORY);
    System.out.printf("  workspace / in the repository: %.2fx (goal %.1fx: %s); workspace / "
        + "shared directory: %.2fx%n", isolation, GOAL_RATIO,
        isolation >= GOAL_RATIO ? "met" : "missed", overall);
  }

  static long median(List<Long> values) {
    List<Long> sorted = new ArrayList<>(values);
    Collections.sort(sorted);
    return sorted.get(sorted.size() / 2);
  }

  /** Scratch repositories. */
  static final class Repositories {
    private Repositories() {}

    /** A repository of {@code files} small files in 100 directories, one commit. */
    static Path create(Git git, Path repo, int files) throws Exception {
      Files.createDirectories(repo);
      git.check(repo, "init", "-q", "-b", "main");
      for (int i = 0; i < files; i++) {
        Path file = repo.resolve("d" + (i % 100)).resolve("f" + i + ".txt");
        Files.createDirectories(file.getParent());
        Files.writeString(file, "file " + i + "\n");
      }
      git.check(repo, "add", "-A");
      git.check(repo, "-c", "user.name=bench", "-c", "user.email=bench@example.com", "commit",
          "-q", "-m", "bench");
      return repo;
    }
  }
}
