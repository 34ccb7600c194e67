package com.modularlabs.realtime;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import com.modularlabs.browser.Browsers;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.http.ContentType;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;
import org.junit.jupiter.api.Test;

/**
 * Issue 12: the notes sample is live. A user's notes page follows changes made elsewhere (another device: here the
 * REST API with the same user's token) without a reload, patches the list in place, keeps an open edit form, and
 * never shows another user's note. Skipped without /usr/bin/chromium and /usr/bin/chromedriver.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class NotesLiveBrowserTest {
    static final String PASSWORD = "notes-live-password-1";

    @TestHTTPResource("/")
    URL base;

    private String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    private static String token(String email, String password) {
        return given().contentType(ContentType.JSON).body(Map.of("email", email, "password", password)).post("/auth/token")
                .then().statusCode(200).extract().path("access_token");
    }

    /** A new user through the admin API; returns its bearer token. */
    private static String user(String email) {
        given().auth().oauth2(token(RealtimeTest.ADMIN, RealtimeTest.ADMIN_PW)).contentType(ContentType.JSON)
                .body(Map.of("email", email, "password", PASSWORD, "roles", List.of())).post("/admin/api/users").then().statusCode(201);
        return token(email, PASSWORD);
    }

    private static String insert(String bearer, String title) {
        return given().auth().oauth2(bearer).contentType(ContentType.JSON).body(Map.of("title", title))
                .post("/experiments/notes/api/notes").then().statusCode(201).extract().path("_id.$oid");
    }

    private static List<String> titles(WebDriver d) {
        return d.findElements(By.cssSelector("#notes li.note h3")).stream().map(WebElement::getText).toList();
    }

    private static WebDriverWait waitUpTo(WebDriver d, int seconds) {
        WebDriverWait w = new WebDriverWait(d, Duration.ofSeconds(seconds));
        w.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // the list re-renders
        return w;
    }

    @Test
    void notesFollowChangesMadeElsewhereWithoutAReload() throws Exception {
        String tag = UUID.randomUUID().toString().substring(0, 8);
        String ann = user("ann-live-" + tag + "@example.org");
        String ben = user("ben-live-" + tag + "@example.org");
        Path profile = Files.createTempDirectory("labs-notes-live");
        ChromeDriver d = Browsers.chrome(profile);
        try {
            d.get(url("/auth/login?next=/experiments/notes/"));
            d.findElement(By.name("email")).sendKeys("ann-live-" + tag + "@example.org");
            d.findElement(By.name("password")).sendKeys(PASSWORD);
            d.findElement(By.cssSelector("form button[type=submit]")).click();
            waitUpTo(d, 15).until(ExpectedConditions.urlContains("/experiments/notes/"));
            waitUpTo(d, 15).until(x -> x.findElement(By.id("empty")).isDisplayed());
            // a marker on the page: a reload would remove it, so every change below must come in without one
            d.executeScript("window.__noReload = true;");

            String first = insert(ann, "From the phone " + tag);
            waitUpTo(d, 10).until(x -> titles(x).equals(List.of("From the phone " + tag)));

            given().auth().oauth2(ann).contentType(ContentType.JSON).body("{\"$set\": {\"title\": \"Renamed " + tag + "\", \"pinned\": true}}")
                    .patch("/experiments/notes/api/notes/" + first).then().statusCode(200);
            waitUpTo(d, 10).until(x -> titles(x).equals(List.of("Renamed " + tag)));
            waitUpTo(d, 10).until(x -> x.findElement(By.cssSelector("#notes li.note")).getAttribute("class").contains("pinned"));

            // ben's note never reaches ann's page; ann's next note does (in order, so ben's had its chance first)
            insert(ben, "Ben's private " + tag);
            insert(ann, "Second " + tag);
            waitUpTo(d, 10).until(x -> titles(x).contains("Second " + tag));
            assertFalse(titles(d).contains("Ben's private " + tag), String.valueOf(titles(d)));

            // an open edit form is not redrawn under the user's hands; a delete made elsewhere shows after it closes
            WebElement second = waitUpTo(d, 10).until(x -> x.findElements(By.cssSelector("#notes li.note")).stream()
                    .filter(li -> li.findElement(By.tagName("h3")).getText().equals("Second " + tag)).findFirst().orElse(null));
            second.findElement(By.xpath(".//button[text()=\"Edit\"]")).click();
            WebElement edit = waitUpTo(d, 10).until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#notes form.edit")));
            edit.findElement(By.name("title")).sendKeys(" (typing)");
            given().auth().oauth2(ann).delete("/experiments/notes/api/notes/" + first).then().statusCode(204);
            insert(ann, "Third " + tag); // arrives after the delete: once the form is still there after both, nothing redrew it
            waitUpTo(d, 10).until(x -> x.findElement(By.id("status")).getText().contains("changed elsewhere"));
            assertEquals(Boolean.TRUE, d.executeScript("return !!document.querySelector('#notes form.edit')"
                    + " && document.querySelector('#notes form.edit [name=title]').value.endsWith('(typing)');"), "the form and its text stay");
            edit.findElement(By.xpath(".//button[text()=\"Cancel\"]")).click();
            waitUpTo(d, 10).until(x -> titles(x).contains("Third " + tag) && !titles(x).contains("Renamed " + tag));
            assertEquals(Boolean.TRUE, d.executeScript("return window.__noReload === true;"), "the page was never reloaded");
        } finally {
            Files.copy(d.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target", "notes-live.png"), StandardCopyOption.REPLACE_EXISTING);
            d.quit();
            try (var walk = Files.walk(profile)) {
                walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }
}
