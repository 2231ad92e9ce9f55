package io.workmate.nativeos;

/** Linux signal numbers Workmate sends. */
public enum Signal {
  SIGHUP(1),
  SIGINT(2),
  SIGKILL(9),
  SIGTERM(15);

  private final int number;

  Signal(int number) {
    this.number = number;
  }

  public int number() {
    return number;
  }
}
