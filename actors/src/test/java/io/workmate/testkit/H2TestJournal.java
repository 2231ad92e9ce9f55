package io.workmate.testkit;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.workmate.persistence.JournalConfig;
import io.workmate.persistence.JournalSettings;
import io.workmate.persistence.JournalStartup;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;

/** The real embedded journal (an H2 file) for tests, configured the way {@code serve} does it. */
public final class H2TestJournal {

  public static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

  private H2TestJournal() {}

  /** The application's config with the journal on the H2 file {@code h2} (no suffix). */
  public static Config config(Path h2) {
    return JournalConfig.overlay(JournalSettings.h2(h2)).withFallback(ConfigFactory.load());
  }

  /** A test kit whose system journals to {@code h2}, with the schema in place. */
  public static ActorTestKit start(String name, Path h2) {
    ActorTestKit testKit = ActorTestKit.create(name, config(h2));
    JournalStartup.start(testKit.system(), STARTUP_TIMEOUT);
    return testKit;
  }
}
