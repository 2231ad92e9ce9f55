package io.workmate.codex;

/** The version Workmate reports to peers (from the jar manifest, else "dev"). */
public final class WorkmateVersion {

  private WorkmateVersion() {}

  public static String current() {
    String version = WorkmateVersion.class.getPackage().getImplementationVersion();
    return version == null ? "dev" : version;
  }
}
