package io.workmate.gateway.testkit;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A missing install fails loudly with the fix, instead of skipping the gateway tests. */
class OpenClawInstallTest {

  @Test
  void theProjectInstallIsFound() {
    OpenClawInstall install = OpenClawInstall.locate();

    assertTrue(Files.isExecutable(install.node()), install.node()::toString);
    assertTrue(Files.isRegularFile(install.launcher()), install.launcher()::toString);
  }

  @Test
  void aMissingInstallSaysToRunSetup(@TempDir Path emptyTools) {
    AssertionError missing =
        assertThrows(AssertionError.class, () -> OpenClawInstall.locateIn(emptyTools));

    assertTrue(missing.getMessage().contains("run scripts/setup"), missing::getMessage);
    assertTrue(missing.getMessage().contains("Node 24"), missing::getMessage);
  }
}
