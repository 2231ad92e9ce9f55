package io.workmate.nativeos;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class ProcStatTest {

  private static final long SELF = ProcessHandle.current().pid();

  @Test
  void aCommandNameWithSpacesAndParenthesesDoesNotShiftTheFields() {
    String line = "4711 (evil) S 1 2 (x) y) R 4700 4711 4711 0 -1 4194560 1 0 0 0 3 4 0 0 20 0"
        + " 1 0 987654 11000000 200 18446744073709551615 1 1 0 0 0 0 0 0 0 0 0 0 17 1 0 0\n";

    ProcStat stat = ProcStat.parse(line).orElseThrow();

    assertEquals(new ProcStat(4711, 'R', 4700, 4711, 4711, 987654), stat);
  }

  @Test
  void linesThatAreNotStatAreRejected() {
    assertEquals(Optional.empty(), ProcStat.parse(""));
    assertEquals(Optional.empty(), ProcStat.parse("4711 (cut short) S 1 2"));
    assertEquals(Optional.empty(), ProcStat.parse("x (sh) S 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15"
        + " 16 17 18 19 20"));
  }

  @Test
  void readsThisJvm() {
    ProcStat self = ProcStat.read(SELF).orElseThrow();

    assertEquals(SELF, self.pid());
    assertEquals(ProcessHandle.current().parent().orElseThrow().pid(), self.parentPid());
    assertEquals(ProcessControl.processGroupOf(SELF).orElseThrow(), self.processGroup());
    assertTrue(self.startTime() > 0);
    assertEquals(self.startTime(), ProcStat.read(SELF).orElseThrow().startTime(), "stable");
    assertTrue(ProcStat.all().stream().anyMatch(p -> p.pid() == SELF && p.state() != 'Z'));
  }

  @Test
  void listsAChildAndForgetsItOnceReaped() throws Exception {
    Process child = new ProcessBuilder("sleep", "30").start();
    try {
      List<ProcStat> children = ProcStat.childrenOf(SELF);
      assertTrue(children.stream().anyMatch(c -> c.pid() == child.pid()), children::toString);
      assertTrue(ProcStat.all().stream().anyMatch(p -> p.pid() == child.pid()));
    } finally {
      child.destroyForcibly();
      assertTrue(child.waitFor(10, TimeUnit.SECONDS));
    }
    assertEquals(Optional.empty(), ProcStat.read(child.pid()));
  }

  @Test
  void aProcessThatDoesNotExistReadsAsEmpty() {
    assertEquals(Optional.empty(), ProcStat.read(-3));
    assertEquals(Optional.empty(), ProcStat.read(Integer.MAX_VALUE));
  }
}
