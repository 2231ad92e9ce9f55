package io.workmate.jobs;

import io.workmate.persistence.CborSerializable;
import java.util.Objects;

/**
 * Where a job works in git, as submitted: a worktree of {@code repo} on a branch of its own made
 * from {@code baseCommit}. Checked at submission (the repository, the base and the branch name),
 * so the spec holds the commit {@code base} named then, not what it names later.
 *
 * @param repo the absolute path of the repository (its top directory)
 * @param base what the caller named: a branch, tag or commit ({@code HEAD} by default)
 * @param branch the branch to make, or null for {@code workmate/<job-id>}
 * @param baseCommit the commit {@code base} resolved to at submission
 * @param followUpOf the job this one follows up on its branch, or null
 * @param resumeThreadId the Codex thread of that job, continued when it still exists, or null
 */
public record WorkspaceSpec(String repo, String base, String branch, String baseCommit,
    String followUpOf, String resumeThreadId) implements CborSerializable {

  /** A new branch (not a follow-up). */
  public WorkspaceSpec(String repo, String base, String branch, String baseCommit) {
    this(repo, base, branch, baseCommit, null, null);
  }

  /** The branch of a job that names none. */
  public static final String BRANCH_PREFIX = "workmate/";

  public WorkspaceSpec {
    Objects.requireNonNull(repo, "repo");
    Objects.requireNonNull(base, "base");
    Objects.requireNonNull(baseCommit, "baseCommit");
  }

  /** The branch the job {@code jobId} works on. */
  public String branchOf(String jobId) {
    return branch != null ? branch : BRANCH_PREFIX + jobId;
  }
}
