package io.workmate.server.dashboard;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import javax.imageio.ImageIO;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, driven through its chromium-driver: one per test class. A missing
 * browser or driver fails the test and says what to install; nothing is downloaded.
 */
final class Browser implements AutoCloseable {

  /** Where the screenshots go (checked to be non-blank). */
  static final Path SCREENSHOTS = Path.of(System.getProperty("workmate.home", "../"))
      .resolve("server/target/dashboard-screenshots").toAbsolutePath().normalize();
  static final Duration WAIT = Duration.ofSeconds(30);

  final ChromeDriver driver;

  private Browser(ChromeDriver driver) {
    this.driver = driver;
  }

  static Browser start() {
    Path chromium = onPath("chromium").orElseGet(() -> fail("Chromium is missing: the "
        + "dashboard's browser tests need Debian's chromium package (scripts/setup installs it "
        + "with apt-get: apt-get install chromium chromium-driver)"));
    Path driverBinary = onPath("chromedriver").orElseGet(() -> fail("chromedriver is missing: "
        + "the dashboard's browser tests need Debian's chromium-driver package (scripts/setup "
        + "installs it with apt-get: apt-get install chromium-driver)"));
    ChromeOptions options = new ChromeOptions();
    options.setBinary(chromium.toFile());
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--disable-gpu", "--no-first-run", "--disable-extensions", "--window-size=1280,800",
        "--disable-background-networking", "--js-flags=--expose-gc",
        "--enable-precise-memory-info");
    ChromeDriverService service = new ChromeDriverService.Builder()
        .usingDriverExecutable(driverBinary.toFile()).usingAnyFreePort().build();
    return new Browser(new ChromeDriver(service, options));
  }

  private static Optional<Path> onPath(String command) {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      Path candidate = Path.of(dir, command);
      if (Files.isExecutable(candidate)) {
        return Optional.of(candidate);
      }
    }
    return Optional.empty();
  }

  /** The viewport in CSS pixels; {@code mobile} as a phone renders it. */
  void viewport(int width, int height, boolean mobile) {
    driver.executeCdpCommand("Emulation.setDeviceMetricsOverride", Map.of("width", width,
        "height", height, "deviceScaleFactor", 1, "mobile", mobile));
  }

  /** A fresh load of the page, even when only the hash differs from the current one. */
  void open(String url) {
    driver.get("about:blank");
    driver.get(url);
  }

  WebElement find(String css) {
    return until(d -> {
      List<WebElement> found = d.findElements(By.cssSelector(css));
      return found.isEmpty() || !found.get(0).isDisplayed() ? null : found.get(0);
    }, "a visible " + css);
  }

  /** Waits for the element's text to contain {@code text}; its whole text. */
  String awaitText(String css, String text) {
    return until(d -> {
      try {
        List<WebElement> found = d.findElements(By.cssSelector(css));
        String shown = found.isEmpty() ? "" : found.get(0).getText();
        return shown.contains(text) ? shown : null;
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        return null;
      }
    }, css + " to contain '" + text + "'");
  }

  <T> T until(Function<WebDriver, T> condition, String what) {
    try {
      return new WebDriverWait(driver, WAIT, Duration.ofMillis(50)).until(condition);
    } catch (org.openqa.selenium.TimeoutException e) {
      Object body;
      try {
        body = script("return document.body.innerText");
      } catch (RuntimeException other) {
        body = "(unreadable: " + other + ")";
      }
      throw new AssertionError("waited " + WAIT.toSeconds() + " s for " + what
          + "; the page shows:\n" + body, e);
    }
  }

  Object script(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  /** Types into the field; again when the page re-rendered it meanwhile. */
  void type(String css, String text) {
    until(d -> {
      try {
        WebElement field = find(css);
        field.clear();
        field.sendKeys(text);
        return true;
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        return null;
      }
    }, "to type into " + css);
  }

  /** Clicks the element; again when the page re-rendered it meanwhile (live lists do). */
  void click(String css) {
    until(d -> {
      try {
        find(css).click();
        return true;
      } catch (org.openqa.selenium.StaleElementReferenceException e) {
        return null;
      }
    }, "to click " + css);
  }

  /**
   * A screenshot of the page at 1280x800 and at 390x844 (a phone), each checked to be
   * non-blank: most of it is not one colour. Back at 1280x800 afterwards.
   */
  void screenshots(String name, String readyCss) throws Exception {
    Files.createDirectories(SCREENSHOTS);
    int[][] sizes = {{1280, 800}, {390, 844}};
    for (int[] size : sizes) {
      viewport(size[0], size[1], size[0] < 500);
      find(readyCss);
      byte[] png = driver.getScreenshotAs(OutputType.BYTES);
      Path file = SCREENSHOTS.resolve(name + "-" + size[0] + "x" + size[1] + ".png");
      Files.write(file, png);
      BufferedImage image = ImageIO.read(new ByteArrayInputStream(png));
      assertTrue(image.getWidth() >= size[0] && image.getHeight() >= size[1] * 9 / 10,
          file + " is " + image.getWidth() + "x" + image.getHeight());
      double dominant = dominantShare(image);
      assertTrue(dominant < 0.97, file + " is blank: " + Math.round(dominant * 100)
          + "% of it is one colour");
      if (size[0] < 500) {
        Object overflow = script("return document.documentElement.scrollWidth - "
            + "document.documentElement.clientWidth");
        assertTrue(((Number) overflow).intValue() <= 1, name + " scrolls sideways at "
            + size[0] + " px wide by " + overflow + " px");
      }
    }
    viewport(1280, 800, false);
  }

  private static double dominantShare(BufferedImage image) {
    Map<Integer, Integer> counts = new HashMap<>();
    int total = 0;
    for (int y = 0; y < image.getHeight(); y += 2) {
      for (int x = 0; x < image.getWidth(); x += 2) {
        counts.merge(image.getRGB(x, y), 1, Integer::sum);
        total++;
      }
    }
    return counts.values().stream().mapToInt(Integer::intValue).max().orElse(0) / (double) total;
  }

  /** axe-core as {@code scripts/setup} installs it into .tools (read here, never by the page). */
  static final Path AXE = Path.of(System.getProperty("workmate.home", "../"))
      .resolve(".tools/axe-core/node_modules/axe-core/axe.min.js").toAbsolutePath().normalize();

  /**
   * axe-core's WCAG 2 A/AA rules on the page as it is now: the serious and critical violations,
   * each as "rule (impact): help: the first elements".
   */
  @SuppressWarnings("unchecked")
  List<String> seriousAccessibilityViolations() throws Exception {
    if (!Files.isRegularFile(AXE)) {
      fail("axe-core is missing at " + AXE + "; run scripts/setup (it installs axe-core from "
          + "npm into .tools/)");
    }
    if (!Boolean.TRUE.equals(script("return typeof window.axe === 'object'"))) {
      script(Files.readString(AXE) + "\n;window.axe = axe;");
    }
    driver.manage().timeouts().scriptTimeout(WAIT);
    List<Map<String, Object>> violations = (List<Map<String, Object>>) driver.executeAsyncScript(
        "const done = arguments[arguments.length - 1];"
        + "axe.run(document, {runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa']}})"
        + ".then(r => done(r.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,"
        + "  nodes: v.nodes.slice(0, 3).map(n => n.target.join(' '))}))))"
        + ".catch(e => done([{id: 'axe-failed', impact: 'critical', help: String(e), nodes: []}]));");
    return violations.stream()
        .filter(v -> "serious".equals(v.get("impact")) || "critical".equals(v.get("impact")))
        .map(v -> v.get("id") + " (" + v.get("impact") + "): " + v.get("help") + ": "
            + v.get("nodes"))
        .toList();
  }

  @Override
  public void close() {
    driver.quit();
  }
}
