package com.modularlabs.admin;

import com.modularlabs.auth.AuthFlows;
import com.modularlabs.browser.Browsers;
import com.modularlabs.bundle.BundlePaths;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 5 in a real browser: headless Debian chromium driven by Selenium through /usr/bin/chromedriver (skipped when
 * either is missing; Selenium Manager never downloads anything). No @TestSecurity: the browser logs in through the
 * login form, gets the session cookie, and every admin action goes through the panel's own buttons and admin.js
 * (so the CSRF check sees the browser's real Origin / Sec-Fetch-Site headers).
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class AdminBrowserTest {
    static final String SLUG = "click_tracker";

    @TestHTTPResource("/")
    URL base;
    @ConfigProperty(name = "labs.auth.admin-email")
    String adminEmail;
    @ConfigProperty(name = "labs.auth.admin-password")
    String adminPassword;

    ChromeDriver driver;
    WebDriverWait wait;
    Path profile;

    @BeforeEach
    void startBrowser() throws Exception {
        profile = Files.createTempDirectory("chromium-profile");
        driver = Browsers.chrome(profile);
        wait = new WebDriverWait(driver, Duration.ofSeconds(15));
    }

    @AfterEach
    void stopBrowser() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            BundlePaths.deleteTree(profile);
        }
        // whatever happened above, leave click_tracker active for the other test classes
        if (driver != null) {
            String token = AuthFlows.token(adminEmail, adminPassword);
            given().auth().oauth2(token).contentType("application/json").body("{\"status\":\"active\"}")
                    .post("/admin/api/experiments/" + SLUG + "/status").then().statusCode(200);
        }
    }

    String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    WebElement row() {
        return driver.findElement(By.cssSelector("#configured tr[data-slug='" + SLUG + "']"));
    }

    @Test
    void logInDeactivateSee404Reactivate() throws Exception {
        // the admin panel without a session sends the browser to the login page
        driver.get(url("/admin"));
        wait.until(ExpectedConditions.urlContains("/auth/login"));

        driver.get(url("/auth/login?next=/admin"));
        driver.findElement(By.name("email")).sendKeys(adminEmail);
        driver.findElement(By.name("password")).sendKeys(adminPassword);
        driver.findElement(By.cssSelector("form[action='/auth/login'] button[type=submit]")).click();
        wait.until(ExpectedConditions.urlMatches("/admin$"));
        assertTrue(driver.manage().getCookieNamed("labs_session") != null, "session cookie set");
        assertTrue(driver.manage().getCookieNamed("labs_session").isHttpOnly(), "session cookie is HttpOnly");

        // the dashboard: server-rendered groups, click_tracker configured and active
        assertTrue(row().findElement(By.cssSelector("td.status")).getText().startsWith("active"), row().getText());
        assertTrue(row().findElement(By.cssSelector("button.status-switch")).getText().contains("Deactivate"));
        Files.createDirectories(Path.of("target"));
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/admin-panel.png"), StandardCopyOption.REPLACE_EXISTING);

        // open click_tracker: admin.js fills the manifest editor and the version through the JSON API
        row().findElement(By.linkText("Click Tracker")).click();
        wait.until(ExpectedConditions.urlContains("/admin/experiments/" + SLUG));
        wait.until(d -> !d.findElement(By.id("version")).getText().isBlank());
        assertTrue(driver.findElement(By.id("manifest")).getDomProperty("value").contains("\"" + SLUG + "\""), "manifest editor filled");

        // the status switch, to inactive, through the page
        new Select(driver.findElement(By.id("status-select"))).selectByValue("inactive");
        driver.findElement(By.id("status-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("message"), "Status: inactive"));
        given().redirects().follow(false).get("/experiments/" + SLUG + "/").then().statusCode(404);
        driver.get(url("/experiments/" + SLUG + "/"));
        assertTrue(driver.getPageSource().contains("404") || driver.getPageSource().contains("Not Found"), driver.getPageSource());

        // the dashboard shows it inactive; its Activate switch puts it back
        driver.get(url("/admin"));
        assertTrue(row().findElement(By.cssSelector("td.status")).getText().startsWith("inactive"), row().getText());
        WebElement activate = row().findElement(By.cssSelector("button.status-switch"));
        assertEquals("Activate", activate.getText());
        activate.click();
        wait.until(ExpectedConditions.stalenessOf(activate));
        wait.until(d -> row().findElement(By.cssSelector("td.status")).getText().startsWith("active"));
        given().get("/experiments/" + SLUG + "/").then().statusCode(200);
        driver.get(url("/experiments/" + SLUG + "/"));
        assertTrue(driver.getTitle().contains("Click Tracker") || driver.getPageSource().contains("Click Tracker"), driver.getPageSource());
    }
}
