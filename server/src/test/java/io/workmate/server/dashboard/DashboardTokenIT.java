package io.workmate.server.dashboard;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.workmate.server.lifecycle.ServeProcess;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;

/**
 * The dashboard of a service with {@code WORKMATE_API_TOKEN}: the login box and no data without
 * the token, a clear message for a wrong one, the pages once it is right; the token is kept in
 * the tab's sessionStorage only, never in the URL.
 */
class DashboardTokenIT {

  private static final String TOKEN = "dashboard-test-token-7f3a";

  @TempDir static Path tmp;
  private static ServeProcess serve;
  private static Browser browser;

  @BeforeAll
  static void start() throws Exception {
    serve = ServeProcess.start(tmp, "dashboard-token", tmp.resolve("data"),
        Map.of("WORKMATE_API_TOKEN", TOKEN));
    browser = Browser.start();
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (serve != null) {
      serve.close();
    }
  }

  @Test
  void withoutTheTokenThePageShowsTheLoginAndNoDataAndAWrongTokenSaysSo() throws Exception {
    assertEquals(401, serve.call("GET", "/v1/mode", null).statusCode());
    browser.open(serve.url() + "/");
    browser.find("#login #token");
    assertTrue(browser.driver.findElements(By.cssSelector("#mode, #queue, #job-list")).isEmpty(),
        "data shown before sign-in");
    assertFalse(browser.find("main").getText().contains("offline"),
        "the mode shown before sign-in: " + browser.find("main").getText());

    browser.type("#token", "not-the-token");
    browser.click("#login button[type=submit]");
    String refused = browser.awaitText("#login-error", "refused");
    assertTrue(refused.contains("token"), refused);
    assertTrue(browser.driver.findElements(By.cssSelector("#mode")).isEmpty());

    browser.type("#token", TOKEN);
    browser.click("#login button[type=submit]");
    browser.awaitText("#mode-requested", "offline");
    assertFalse(browser.driver.getCurrentUrl().contains(TOKEN), "the token is in the URL");
    assertEquals(TOKEN, browser.script("return sessionStorage.getItem('workmate.apiToken')"));

    // a reload in the same tab stays signed in; signing out forgets the token
    browser.driver.navigate().refresh();
    browser.awaitText("#mode-requested", "offline");
    browser.click("#sign-out");
    browser.find("#login #token");
    assertEquals(null, browser.script("return sessionStorage.getItem('workmate.apiToken')"));
    assertFalse(serve.output().contains(TOKEN), "the token is in the service's output");
  }
}
