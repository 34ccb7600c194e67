package com.modularlabs.data;

import com.modularlabs.browser.Browsers;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.auth.UserStore;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.File;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.bson.Document;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The bundled experiments really work in a browser (issue 4 "Done when"): headless Debian Chromium drives the
 * click tracker, notes and stats dashboard pages against the data API. Skipped when /usr/bin/chromium or
 * /usr/bin/chromedriver is missing (Selenium Manager never downloads anything). Screenshots: target/frontend-*.png.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class FrontEndBrowserTest {
    static final String ADMIN = "admin@example.com";
    static final String ADMIN_PASSWORD = "test-admin-password-1";
    static final String PASSWORD = "browser-test-password-1";

    static WebDriver driver;
    static Path profile;

    @TestHTTPResource("/")
    URL base;

    @BeforeAll
    static void startBrowser() throws Exception {
        profile = Files.createTempDirectory("labs-chromium");
        driver = Browsers.chrome(profile);
        driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(15));
    }

    @AfterAll
    static void stopBrowser() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            try (var walk = Files.walk(profile)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    private static WebDriverWait waitUpTo(int seconds) {
        WebDriverWait w = new WebDriverWait(driver, Duration.ofSeconds(seconds));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // the pages re-render their lists
        return w;
    }

    private static void screenshot(String name) throws Exception {
        File f = ((TakesScreenshot) driver).getScreenshotAs(OutputType.FILE);
        Files.createDirectories(Path.of("target"));
        Files.copy(f.toPath(), Path.of("target", "frontend-" + name + ".png"), StandardCopyOption.REPLACE_EXISTING);
    }

    private static String text(String id) {
        return driver.findElement(By.id(id)).getText().trim();
    }

    private static long clicksInDb() {
        return DataTestSupport.count("click_tracker_clicks", new Document("experiment_id", "click_tracker"));
    }

    /** Documents are stamped with the author's user id (users._id as hex), not the e-mail (issue 9, finding 6). */
    private static String userId(String email) {
        return UserStore.idString(DataTestSupport.raw("users", new Document("email", email)).get("_id"));
    }

    private void createUser(String email) {
        String token = given().contentType("application/json").body(Map.of("email", ADMIN, "password", ADMIN_PASSWORD))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
        int status = given().contentType("application/json").header("Authorization", "Bearer " + token)
                .body(Map.of("email", email, "password", PASSWORD, "roles", List.of())).post("/admin/api/users").then().extract().statusCode();
        assertTrue(status == 201 || status == 409, "creating " + email + ": " + status);
    }

    private void login(String email, String next) {
        driver.manage().deleteAllCookies();
        driver.get(url("/auth/login?next=" + next));
        driver.findElement(By.name("email")).sendKeys(email);
        driver.findElement(By.name("password")).sendKeys(PASSWORD);
        driver.findElement(By.cssSelector("form button[type=submit]")).click();
        waitUpTo(15).until(ExpectedConditions.urlContains(next));
    }

    private static WebElement note(String title) {
        return waitUpTo(10).until(d -> d.findElements(By.cssSelector("#notes li.note")).stream()
                .filter(li -> !li.findElements(By.tagName("h3")).isEmpty() && li.findElement(By.tagName("h3")).getText().equals(title))
                .findFirst().orElse(null));
    }

    /** Clicks a button of the note titled {@code title}, retrying while the list re-renders. */
    private static void press(String title, String button) {
        waitUpTo(10).until(d -> {
            note(title).findElement(By.xpath(".//button[text()=\"" + button + "\"]")).click();
            return true;
        });
    }

    private static List<String> noteTitles() {
        return driver.findElements(By.cssSelector("#notes li.note h3")).stream().map(WebElement::getText).toList();
    }

    @Test
    @Order(1)
    void clickTrackerRecordsAClickAndShowsTheCount() throws Exception {
        driver.get(url("/experiments/click_tracker/"));
        try {
            waitUpTo(15).until(d -> text("total").matches("\\d+"));
            long before = Long.parseLong(text("total"));
            assertEquals(clicksInDb(), before, "the page shows the stored count");
            long red = DataTestSupport.count("click_tracker_clicks", new Document("experiment_id", "click_tracker").append("button", "red"));
            driver.findElement(By.cssSelector("button.click.red")).click();
            waitUpTo(15).until(d -> text("total").equals(String.valueOf(before + 1)));
            assertEquals(before + 1, clicksInDb());
            assertEquals(red + 1, DataTestSupport.count("click_tracker_clicks",
                    new Document("experiment_id", "click_tracker").append("button", "red")));
            // the per-button table comes from the named query clicks_by_button
            waitUpTo(10).until(d -> d.findElements(By.cssSelector("#per-button tbody tr")).stream()
                    .anyMatch(tr -> tr.getText().startsWith("red") && tr.getText().contains(String.valueOf(red + 1))));
            assertTrue(text("status").startsWith("Updated") || text("status").startsWith("Recorded"), text("status"));
        } finally {
            screenshot("click_tracker");
        }
    }

    /**
     * Issue 12: the counts are live. A second, independent browser session shows a click made in the first without
     * any reload (the page has no Refresh button and no polling; only its subscription can bring the new count).
     */
    @Test
    @Order(2)
    void clickTrackerCountsUpdateLiveInAnotherBrowser() throws Exception {
        WebDriver other = null;
        Path otherProfile = Files.createTempDirectory("labs-chromium-2");
        try {
            other = Browsers.chrome(otherProfile); // its own driver service, stopped by its quit()
            WebDriver watcher = other;
            watcher.get(url("/experiments/click_tracker/"));
            driver.get(url("/experiments/click_tracker/"));
            assertTrue(driver.findElements(By.id("refresh")).isEmpty(), "no Refresh button: the counts are live");
            waitUpTo(15).until(d -> text("total").matches("\\d+"));
            new WebDriverWait(watcher, Duration.ofSeconds(15)).until(d -> d.findElement(By.id("total")).getText().trim().matches("\\d+"));
            // the watcher's stream is open once its first load (triggered by the stream's ready event) has rendered
            long before = clicksInDb();
            new WebDriverWait(watcher, Duration.ofSeconds(15)).until(d -> d.findElement(By.id("total")).getText().trim().equals(String.valueOf(before)));
            driver.findElement(By.cssSelector("button.click.blue")).click();
            driver.findElement(By.cssSelector("button.click.green")).click();
            new WebDriverWait(watcher, Duration.ofSeconds(10)).ignoring(org.openqa.selenium.StaleElementReferenceException.class)
                    .until(d -> d.findElement(By.id("total")).getText().trim().equals(String.valueOf(before + 2)));
            assertEquals(before + 2, clicksInDb());
        } finally {
            if (other != null) {
                File f = ((TakesScreenshot) other).getScreenshotAs(OutputType.FILE);
                Files.copy(f.toPath(), Path.of("target", "frontend-click_tracker-live.png"), StandardCopyOption.REPLACE_EXISTING);
                other.quit();
            }
            try (var walk = Files.walk(otherProfile)) {
                walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    @Test
    @Order(3)
    void notesAreCreatedEditedPinnedDeletedAndPrivate() throws Exception {
        createUser("ann.browser@example.com");
        createUser("ben.browser@example.com");
        login("ann.browser@example.com", "/experiments/notes/");
        try {
            waitUpTo(15).until(d -> d.findElement(By.id("empty")).isDisplayed() || !noteTitles().isEmpty());
            WebElement form = driver.findElement(By.id("new-note"));
            form.findElement(By.name("title")).sendKeys("Shopping");
            form.findElement(By.name("body")).sendKeys("milk, bread");
            form.findElement(By.name("tags")).sendKeys("home, todo");
            form.findElement(By.cssSelector("button[type=submit]")).click();
            note("Shopping");
            form.findElement(By.name("title")).sendKeys("Ann's secret");
            form.findElement(By.cssSelector("button[type=submit]")).click();
            note("Ann's secret");
            assertEquals(2, DataTestSupport.count("notes_notes", new Document("created_by", userId("ann.browser@example.com"))));

            // edit
            press("Shopping", "Edit");
            WebElement edit = waitUpTo(10).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#notes form.edit")));
            WebElement title = edit.findElement(By.name("title"));
            title.clear();
            title.sendKeys("Shopping list");
            edit.findElement(By.cssSelector("button[type=submit]")).click();
            note("Shopping list");
            assertEquals(1, DataTestSupport.count("notes_notes", new Document("created_by", userId("ann.browser@example.com")).append("title", "Shopping list")));

            // pin
            press("Shopping list", "Pin");
            waitUpTo(10).until(d -> note("Shopping list").getAttribute("class").contains("pinned"));
            assertEquals(Boolean.TRUE, DataTestSupport.raw("notes_notes", new Document("title", "Shopping list")).get("pinned"));

            // a tag filter runs the owner-scoped named query notes_by_tag
            press("Shopping list", "#todo");
            waitUpTo(10).until(d -> d.findElement(By.id("filter")).isDisplayed() && noteTitles().equals(List.of("Shopping list")));
            driver.findElement(By.id("clear-filter")).click();
            waitUpTo(10).until(d -> noteTitles().size() == 2);

            // delete (confirm dialog)
            press("Shopping list", "Delete");
            waitUpTo(5).until(ExpectedConditions.alertIsPresent()).accept();
            waitUpTo(10).until(d -> !noteTitles().contains("Shopping list"));
            assertEquals(0, DataTestSupport.count("notes_notes", new Document("title", "Shopping list")));
            screenshot("notes_ann");
        } catch (Throwable t) {
            screenshot("notes_ann");
            throw t;
        }

        // a second user sees none of ann's notes, in the list or through the named query
        login("ben.browser@example.com", "/experiments/notes/");
        try {
            waitUpTo(15).until(d -> d.findElement(By.id("empty")).isDisplayed());
            assertEquals(List.of(), noteTitles());
            driver.findElement(By.id("new-note")).findElement(By.name("title")).sendKeys("Ben's note");
            driver.findElement(By.cssSelector("#new-note button[type=submit]")).click();
            note("Ben's note");
            assertTrue(!noteTitles().contains("Ann's secret"), String.valueOf(noteTitles()));
            Object tagged = ((org.openqa.selenium.JavascriptExecutor) driver).executeAsyncScript(
                    "var done = arguments[arguments.length - 1];"
                            + "fetch('/experiments/notes/api/_queries/notes_by_tag?tag=home').then(r => r.json()).then(j => done(j.items.length));");
            assertEquals(0L, ((Number) tagged).longValue(), "ann's #home note is not visible to ben through the named query");
        } finally {
            screenshot("notes_ben");
        }
    }

    @Test
    @Order(4)
    void statsDashboardReadsTheClickTrackersClicks() throws Exception {
        createUser("ben.browser@example.com");
        login("ben.browser@example.com", "/experiments/stats_dashboard/");
        try {
            long clicks = clicksInDb();
            assertTrue(clicks > 0, "the click tracker test (or its seed) stored clicks");
            waitUpTo(15).until(d -> text("total-clicks").equals(String.valueOf(clicks)));
            waitUpTo(10).until(d -> text("recent-count").matches("\\d+") && Long.parseLong(text("recent-count")) == Math.min(20, clicks));
            waitUpTo(10).until(d -> !d.findElements(By.cssSelector("#recent tbody tr")).isEmpty());
            // the view of this page is logged in the dashboard's own collection
            waitUpTo(10).until(d -> DataTestSupport.count("stats_dashboard_views",
                    new Document("created_by", userId("ben.browser@example.com")).append("total_clicks", clicks)) >= 1);
            // and the dashboard cannot write the click tracker's clicks through _shared
            Object status = ((org.openqa.selenium.JavascriptExecutor) driver).executeAsyncScript(
                    "var done = arguments[arguments.length - 1];"
                            + "fetch('/experiments/stats_dashboard/api/_shared/click_tracker/clicks', {method: 'POST',"
                            + " headers: {'Content-Type': 'application/json'}, body: '{\"button\":\"red\"}'}).then(r => done(r.status));");
            assertTrue(((Number) status).intValue() >= 400, "POST to _shared answered " + status);
            assertEquals(clicks, clicksInDb());
        } finally {
            screenshot("stats_dashboard");
        }
    }
}
