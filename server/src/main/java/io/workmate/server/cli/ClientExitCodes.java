package io.workmate.server.cli;

/** The exit codes of the commands that talk to a running service (README: "Exit codes"). */
final class ClientExitCodes {

  static final int OK = 0;
  /** The service answered something unexpected (5xx), or the event stream was lost. */
  static final int UNEXPECTED = 1;
  /** Invalid arguments, or the service refused the request as invalid (400, 401, 413, 422). */
  static final int USAGE = 2;
  /** The service did not answer. */
  static final int UNREACHABLE = 4;
  /** No such job or approval (404). */
  static final int NOT_FOUND = 6;
  /** Not possible in the job's state (409), e.g. cancelling a finished job. */
  static final int CONFLICT = 7;
  /** {@code submit --wait}: the job used up its attempts (dead). */
  static final int JOB_DEAD = 10;
  /** {@code submit --wait}: the job was cancelled. */
  static final int JOB_CANCELLED = 11;

  private ClientExitCodes() {}
}
