package io.workmate.codex;

/**
 * Where app-server processes are recorded while they live, so the next incarnation of the service
 * can kill what a crashed one left (the service adapts native's {@code ProcessGroupRegistry} to
 * this). Called from the actor that owns the process, at start and once it is gone and swept;
 * an implementation must not throw for I/O trouble it can log.
 */
public interface ProcessRegistration {

  /**
   * The environment variable every app-server and all it starts inherit, valued per process:
   * what finds a tree's processes once they left its group.
   */
  String APP_SERVER_MARKER = "WORKMATE_CODEX_INSTANCE";

  /** Records nothing: tests, and platforms without the registry. */
  ProcessRegistration NONE = new ProcessRegistration() {
    @Override
    public void register(long leaderPid, String label, String markerName, String markerValue) {}

    @Override
    public void unregister(long leaderPid) {}
  };

  /** The process leads its own group and marks its descendants with {@code markerName}. */
  void register(long leaderPid, String label, String markerName, String markerValue);

  void unregister(long leaderPid);
}
