package io.workmate.workspaces;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;

/**
 * How job workspaces are made and kept ({@code workmate.workspaces.*}).
 *
 * @param root where the worktrees go ({@code <data-dir>/worktrees}), one directory per job
 * @param allowedRoots the directories repositories must be in; empty: any
 * @param keepFor how long a failed, dead or cancelled job's worktree is kept for inspection
 * @param authorName the author (and committer) of the commits of jobs' changes
 * @param authorEmail their e-mail address
 * @param message the commit message; {@code {job}} stands for the job's id
 * @param gitBinary the git executable
 */
public record WorkspaceSettings(Path root, List<Path> allowedRoots, Duration keepFor,
    String authorName, String authorEmail, String message, String gitBinary) {

  public WorkspaceSettings {
    Objects.requireNonNull(root, "root");
    allowedRoots = List.copyOf(allowedRoots);
    Objects.requireNonNull(keepFor, "keepFor");
    Objects.requireNonNull(authorName, "authorName");
    Objects.requireNonNull(authorEmail, "authorEmail");
    Objects.requireNonNull(message, "message");
    Objects.requireNonNull(gitBinary, "gitBinary");
  }

  /** The defaults of the reference configuration, under {@code root}, any repository. */
  public static WorkspaceSettings of(Path root) {
    return new WorkspaceSettings(root, List.of(), Duration.ofDays(1), "Workmate",
        "workmate@localhost", "Workmate job {job}", "git");
  }

  public WorkspaceSettings withKeepFor(Duration newKeepFor) {
    return new WorkspaceSettings(root, allowedRoots, newKeepFor, authorName, authorEmail, message,
        gitBinary);
  }

  public WorkspaceSettings withAllowedRoots(List<Path> roots) {
    return new WorkspaceSettings(root, roots, keepFor, authorName, authorEmail, message,
        gitBinary);
  }

  /** The commit message of job {@code jobId}'s changes. */
  public String messageOf(String jobId) {
    return message.replace("{job}", jobId);
  }
}
