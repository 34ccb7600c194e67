package com.modularlabs.functions;

import com.modularlabs.browser.Browsers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.RestAssured;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The blackjack sample in headless Debian Chromium: log in, deal, stand, see the result with the dealer's hole
 * card revealed only then. Skipped without /usr/bin/chromium and /usr/bin/chromedriver. Screenshot:
 * target/frontend-blackjack.png.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@QuarkusTestResource(BlackjackFunctionsProcess.class)
class BlackjackBrowserTest {

    static WebDriver driver;
    static Path profile;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void startBrowser() throws Exception {
        profile = Files.createTempDirectory("labs-chromium");
        driver = Browsers.chrome(profile);
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    private static WebDriverWait waitUpTo(int seconds) {
        WebDriverWait w = new WebDriverWait(driver, Duration.ofSeconds(seconds));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
        return w;
    }

    private static List<String> cards(String id) {
        return driver.findElements(By.cssSelector("#" + id + " .card")).stream().map(e -> e.getAttribute("data-card")).toList();
    }

    @Test
    void playsAHandInTheBrowser() throws Exception {
        BlackjackFunctionsProcess.ensure(RestAssured.port);
        String email = FunctionTestSupport.user(List.of())[2];
        driver.manage().deleteAllCookies();
        driver.get(url("/auth/login?next=/experiments/blackjack/"));
        driver.findElement(By.name("email")).sendKeys(email);
        driver.findElement(By.name("password")).sendKeys("function-user-1");
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        waitUpTo(15).until(d -> d.getCurrentUrl().endsWith("/experiments/blackjack/")
                && "complete".equals(((org.openqa.selenium.JavascriptExecutor) d).executeScript("return document.readyState")));
        driver.findElement(By.id("deal")).click();
        waitUpTo(15).withMessage(() -> "page error: " + driver.findElement(By.id("error")).getText() + " url " + driver.getCurrentUrl()
                + " browser log " + driver.manage().logs().get("browser").getAll())
                .until(d -> cards("player").size() >= 2);
        String status = driver.findElement(By.tagName("body")).getAttribute("data-status");
        if ("playing".equals(status)) {
            assertEquals("hidden", cards("dealer").get(1), "the hole card is face down");
            driver.findElement(By.id("stand")).click();
        }
        waitUpTo(15).until(d -> "done".equals(d.findElement(By.tagName("body")).getAttribute("data-status")));
        List<String> dealer = cards("dealer");
        assertTrue(dealer.size() >= 2 && !dealer.contains("hidden"), "revealed at the end: " + dealer);
        String result = driver.findElement(By.id("result")).getText();
        assertTrue(List.of("You win!", "Dealer wins.", "Push.").contains(result), result);
        assertTrue(driver.findElement(By.id("hit")).getAttribute("disabled") != null);
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.copy(f.toPath(), Path.of("target", "frontend-blackjack.png"), StandardCopyOption.REPLACE_EXISTING);
    }
}
