package io.workmate.bench.dashboard;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Debian's Chromium, headless, through its chromium-driver (what the dashboard's tests drive too;
 * {@code scripts/setup} installs both). A missing binary ends the bench with a message naming the
 * package; nothing is downloaded.
 */
final class HeadlessChromium implements AutoCloseable {

  private static final Duration WAIT = Duration.ofSeconds(60);

  private final ChromeDriver driver;

  private HeadlessChromium(ChromeDriver driver) {
    this.driver = driver;
  }

  static HeadlessChromium start() {
    Path browser = installed("chromium", "chromium");
    Path chromedriver = installed("chromedriver", "chromium-driver");
    ChromeOptions options = new ChromeOptions().setBinary(browser.toFile());
    // the same window for every load; no extensions or background fetches to time as well
    options.addArguments("--headless=new", "--no-sandbox", "--disable-dev-shm-usage",
        "--window-size=1280,800", "--no-first-run", "--disable-extensions",
        "--disable-background-networking", "--disable-gpu");
    return new HeadlessChromium(new ChromeDriver(new ChromeDriverService.Builder()
        .usingDriverExecutable(chromedriver.toFile()).usingAnyFreePort().build(), options));
  }

  private static Path installed(String command, String debianPackage) {
    return Arrays.stream(System.getenv().getOrDefault("PATH", "").split(File.pathSeparator))
        .map(dir -> Path.of(dir, command)).filter(Files::isExecutable).findFirst()
        .orElseThrow(() -> new IllegalStateException(command + " is not on the PATH: the "
            + "dashboard bench needs Debian's " + debianPackage + " package (scripts/setup "
            + "installs it: apt-get install chromium chromium-driver)"));
  }

  /** A fresh document load, even when only the hash differs from the current page. */
  void load(String url) {
    driver.get("about:blank");
    driver.get(url);
  }

  /** Waits until the element's text contains {@code text}. */
  void awaitText(String css, String text) {
    new WebDriverWait(driver, WAIT, Duration.ofMillis(20)).withMessage(
        () -> css + " never showed '" + text + "'").until(d -> {
          try {
            List<WebElement> found = d.findElements(By.cssSelector(css));
            return !found.isEmpty() && found.get(0).getText().contains(text);
          } catch (StaleElementReferenceException e) {
            return false;
          }
        });
  }

  Object script(String script) {
    return ((JavascriptExecutor) driver).executeScript(script);
  }

  /** The browser's own version line, for the report. */
  String version() {
    return driver.getCapabilities().getBrowserName() + " "
        + driver.getCapabilities().getBrowserVersion();
  }

  @Override
  public void close() {
    driver.quit();
  }
}
