package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.util.List;
import java.util.Objects;

/**
 * What a job's workspace came to, as journaled ({@link JobEvent.WorkspaceRecorded}): recorded
 * once its worktree is made (no head yet), and again when its changes are committed.
 *
 * @param repo the repository
 * @param branch the job's branch
 * @param baseCommit the commit the branch was made from
 * @param headCommit the branch's commit holding the job's changes, or null before the commit
 * @param files the files the job changed (base..head), empty before the commit
 */
public record JobWorkspace(String repo, String branch, String baseCommit, String headCommit,
    List<ChangedFile> files) implements CborSerializable {

  public JobWorkspace {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(branch, "branch");
    Objects.requireNonNull(baseCommit, "baseCommit");
    files = files == null ? List.of() : List.copyOf(files);
  }

  /**
   * One changed file: lines added and removed ({@code -1} each for a binary file, which git
   * counts in no lines).
   */
  public record ChangedFile(String path, int added, int removed) implements CborSerializable {}
}
