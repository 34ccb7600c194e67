package com.modularlabs.admin;

import com.modularlabs.auth.AuthFlows;
import com.modularlabs.browser.Browsers;
import com.modularlabs.bundle.BundlePaths;
import static io.restassured.RestAssured.given;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.functions.TriggerService;
import com.modularlabs.store.MongoTestResource;
import com.modularlabs.store.TestMongo;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import java.io.OutputStream;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Date;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.bson.Document;
import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.Keys;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 14 in a real browser (headless Debian chromium through /usr/bin/chromedriver; skipped when either is
 * missing). The admin logs in through the login form; every action goes through the panel's own controls.
 * Screenshots go to target/admin-*.png.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class AdminPanelBrowserTest {

    @TestHTTPResource("/")
    URL base;
    @ConfigProperty(name = "labs.auth.admin-email")
    String adminEmail;
    @ConfigProperty(name = "labs.auth.admin-password")
    String adminPassword;
    @ConfigProperty(name = "quarkus.mongodb.database")
    String db;

    ChromeDriver driver;
    WebDriverWait wait;
    Path profile;

    @BeforeEach
    void startBrowser() throws Exception {
        profile = Files.createTempDirectory("chromium-profile");
        driver = Browsers.chrome(profile);
        wait = new WebDriverWait(driver, Duration.ofSeconds(20));
        wait.ignoring(org.openqa.selenium.StaleElementReferenceException.class); // the panel re-renders rows after each action
    }

    @AfterEach
    void stopBrowser() throws Exception {
        if (driver != null) {
            driver.quit();
        }
        if (profile != null) {
            BundlePaths.deleteTree(profile);
        }
    }

    String url(String path) {
        return base.toString().replaceAll("/$", "") + path;
    }

    void logIn() {
        driver.get(url("/auth/login?next=/admin"));
        driver.findElement(By.name("email")).sendKeys(adminEmail);
        driver.findElement(By.name("password")).sendKeys(adminPassword);
        driver.findElement(By.cssSelector("form[action='/auth/login'] button[type=submit]")).click();
        wait.until(ExpectedConditions.urlMatches("/admin$"));
        // the URL changes before the new page is parsed: wait until it has loaded
        wait.until(d -> "complete".equals(((JavascriptExecutor) d).executeScript("return document.readyState"))
                && !d.findElements(By.id("logout")).isEmpty());
    }

    void shot(String name) throws Exception {
        Files.createDirectories(Path.of("target"));
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/" + name), StandardCopyOption.REPLACE_EXISTING);
    }

    static byte[] zip(String prefix, Map<String, String> files) throws Exception {
        java.io.ByteArrayOutputStream bytes = new java.io.ByteArrayOutputStream();
        try (ZipOutputStream z = new ZipOutputStream(bytes)) {
            if (!prefix.isEmpty()) {
                z.putNextEntry(new ZipEntry(prefix));
                z.closeEntry();
            }
            for (Map.Entry<String, String> f : files.entrySet()) {
                z.putNextEntry(new ZipEntry(prefix + f.getKey()));
                z.write(f.getValue().getBytes(StandardCharsets.UTF_8));
                z.closeEntry();
            }
        }
        return bytes.toByteArray();
    }

    @Test
    void logOutFromAnyAdminPageAndHtmlErrorsForBrowsers() throws Exception {
        logIn();
        for (String page : new String[] {"/admin", "/admin/users", "/admin/roles", "/admin/experiments/click_tracker"}) {
            driver.get(url(page));
            assertTrue(driver.findElement(By.id("logout")).isDisplayed(), "log-out button on " + page);
        }
        // a browser gets an HTML error page; an API client keeps problem+json for the same URL
        driver.get(url("/admin/experiments/No-Such-Slug"));
        assertEquals("404 Not Found", driver.findElement(By.tagName("h1")).getText());
        assertTrue(driver.findElement(By.cssSelector("p.detail")).getText().contains("No experiment"), driver.getPageSource());
        shot("admin-error-page.png");
        given().accept("application/json").get("/experiments/no_such_thing/").then().statusCode(404)
                .contentType("application/problem+json");
        given().accept("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8").get("/experiments/no_such_thing/")
                .then().statusCode(404).contentType(containsString("text/html")).body(containsString("<h1>404 Not Found</h1>"));

        driver.get(url("/admin/users"));
        driver.findElement(By.id("logout")).click();
        wait.until(ExpectedConditions.not(ExpectedConditions.urlContains("/admin")));
        driver.get(url("/admin"));
        wait.until(ExpectedConditions.urlContains("/auth/login"));
    }

    @Test
    void createUserGrantRoleAndTheirAccessChanges() throws Exception {
        // a role-protected experiment to reach (set up over the API; the test is about the people pages)
        String admin = AuthFlows.token(adminEmail, adminPassword);
        byte[] bundle = zip("", Map.of("manifest.json", "{\"name\":\"VIP Room\",\"slug\":\"vip_room\",\"status\":\"active\","
                + "\"auth_required\":true,\"auth_policy\":{\"allowed_roles\":[\"vip\"],\"allowed_users\":[]}}",
                "static/index.html", "<!doctype html><title>VIP Room</title><h1>VIP only</h1>"));
        given().auth().oauth2(admin).contentType("application/zip").body(bundle).post("/admin/api/experiments/vip_room/bundle")
                .then().statusCode(200);

        String email = "guest" + System.nanoTime() + "@example.org";
        String password = "correct horse battery";
        logIn();
        driver.findElement(By.linkText("Users")).click();
        wait.until(ExpectedConditions.urlContains("/admin/users"));
        WebElement form = driver.findElement(By.id("user-create"));
        form.findElement(By.name("email")).sendKeys(email);
        form.findElement(By.name("password")).sendKeys(password);
        form.findElement(By.cssSelector("button[type=submit]")).click();
        By row = By.cssSelector("#users tr[data-email='" + email + "']");
        wait.until(ExpectedConditions.presenceOfElementLocated(row));

        // before the grant: logged in, but not allowed in
        String user = AuthFlows.token(email, password);
        given().auth().oauth2(user).get("/experiments/vip_room/").then().statusCode(403);

        // the search runs on the server (over all users, not the loaded page): the admin's own row goes away
        String typed = email.substring(0, email.indexOf('@'));
        driver.findElement(By.id("user-search")).sendKeys(typed);
        wait.until(d -> typed.equals(d.findElement(By.cssSelector("#users tbody")).getDomAttribute("data-query")));
        wait.until(d -> d.findElements(By.cssSelector("#users tr[data-email='" + adminEmail + "']")).isEmpty());
        assertEquals(1, driver.findElements(By.cssSelector("#users tbody tr[data-email]")).size());
        driver.findElement(row).findElement(By.cssSelector("input.grant-role")).sendKeys("vip");
        driver.findElement(row).findElement(By.cssSelector("button.grant")).click();
        wait.until(d -> !d.findElements(By.cssSelector("#users tr[data-email='" + email + "'] .chip[data-role='vip']")).isEmpty());
        given().auth().oauth2(user).get("/experiments/vip_room/").then().statusCode(200).body(containsString("VIP only"));
        shot("admin-users.png");

        // the Roles page: vip with its member and the experiment whose policy names it
        driver.findElement(By.linkText("Roles")).click();
        By vip = By.cssSelector("#roles tr[data-role='vip']");
        wait.until(ExpectedConditions.presenceOfElementLocated(vip));
        assertTrue(driver.findElement(vip).getText().contains(email), driver.findElement(vip).getText());
        assertTrue(driver.findElement(vip).getText().contains("vip_room"), driver.findElement(vip).getText());

        // sessions: the user's API token is listed; ending them all locks the token out
        driver.get(url("/admin/users"));
        wait.until(ExpectedConditions.presenceOfElementLocated(row));
        driver.findElement(row).findElement(By.cssSelector("button.sessions")).click();
        wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("user-detail")));
        wait.until(d -> d.findElement(By.id("sessions")).getText().contains("api"));
        driver.findElement(By.id("sessions-end-all")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Ended"));
        given().auth().oauth2(user).get("/experiments/vip_room/").then().statusCode(401);

        // disable: the user cannot log in any more
        driver.findElement(row).findElement(By.cssSelector("button.toggle")).click();
        wait.until(d -> d.findElement(row).getText().contains("disabled"));
        given().contentType("application/json").body(Map.of("email", email, "password", password)).post("/auth/token")
                .then().statusCode(401);

        // phone size
        driver.manage().window().setSize(new Dimension(390, 844));
        driver.navigate().refresh();
        wait.until(ExpectedConditions.presenceOfElementLocated(row));
        assertTrue(driver.findElement(By.id("logout")).isDisplayed());
        shot("admin-users-phone.png");
    }

    @Test
    void newExperimentFromThePanelThenUploadAZippedFolder() throws Exception {
        logIn();
        WebElement form = driver.findElement(By.id("create-form"));
        form.findElement(By.name("name")).sendKeys("Reaction Timer");
        assertEquals("reaction_timer", form.findElement(By.name("slug")).getDomProperty("value"), "slug suggested from the name");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.urlContains("/admin/experiments/reaction_timer"));
        wait.until(d -> d.findElement(By.id("manifest")).getDomProperty("value").contains("\"Reaction Timer\""));
        shot("admin-new-experiment.png");

        // the manifest editor (CodeMirror from the service's jars): type a wrong status, see the schema error in place
        By editor = By.cssSelector("#manifest-editor .cm-content");
        wait.until(d -> d.findElement(editor).getText().contains("\"Reaction Timer\""));
        assertTrue(!driver.findElements(By.cssSelector("#manifest-editor .cm-content span[class]")).isEmpty(), "syntax highlighting");
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript(
                "const v = window.labsManifestEditor; const t = v.state.doc.toString(); const at = t.indexOf('\"active\"');"
                + "v.focus(); v.dispatch({selection: {anchor: at, head: at + 8}});");
        driver.findElement(editor).sendKeys("42");
        wait.until(d -> String.valueOf(d.findElement(By.id("manifest-editor")).getDomAttribute("data-paths")).contains("$.status"));
        WebElement marked = wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#manifest-editor .cm-lintRange-error")));
        assertEquals("42", marked.getText());
        assertTrue(!driver.findElements(By.cssSelector("#manifest-editor .cm-lint-marker-error")).isEmpty(), "gutter marker");
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("document.getElementById('manifest-editor').scrollIntoView()");
        shot("admin-manifest-editor.png");
        // a JSON syntax error is marked too; undoing both leaves a valid manifest
        driver.findElement(editor).sendKeys(",");
        wait.until(d -> !"1".equals(d.findElement(By.id("manifest-editor")).getDomAttribute("data-errors"))
                || d.findElements(By.cssSelector("#manifest-editor .cm-lintRange-error")).size() >= 1);
        driver.findElement(editor).sendKeys(Keys.chord(Keys.CONTROL, "z"), Keys.chord(Keys.CONTROL, "z"));
        wait.until(d -> d.findElement(By.id("manifest")).getDomProperty("value").contains("\"status\": \"active\""));
        wait.until(d -> "0".equals(d.findElement(By.id("manifest-editor")).getDomAttribute("data-errors")));
        given().get("/experiments/reaction_timer/").then().statusCode(200).body(containsString("<h1>Reaction Timer</h1>"));

        // a second create with the same slug is refused, shown on the page
        driver.get(url("/admin"));
        form = driver.findElement(By.id("create-form"));
        form.findElement(By.name("name")).sendKeys("Again");
        form.findElement(By.name("slug")).sendKeys(Keys.chord(Keys.CONTROL, "a"), "reaction_timer");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "exists already"));

        // `zip -r x.zip folder/`: one top-level folder holding the experiment
        Path zip = Files.createTempFile("zipped-folder", ".zip");
        Files.write(zip, zip("reaction_timer_v2/", Map.of(
                "manifest.json", "{\"name\":\"Reaction Timer\",\"slug\":\"reaction_timer\",\"status\":\"active\"}",
                "static/index.html", "<!doctype html><title>Reaction Timer</title><h1>Version two</h1>")));
        try {
            driver.get(url("/admin/experiments/reaction_timer"));
            driver.findElement(By.cssSelector("#upload-form input[type=file]")).sendKeys(zip.toAbsolutePath().toString());
            driver.findElement(By.cssSelector("#upload-form button[type=submit]")).click();
            wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Installed reaction_timer"));
        } finally {
            Files.deleteIfExists(zip);
        }
        given().get("/experiments/reaction_timer/").then().statusCode(200).body(containsString("Version two"));
        driver.get(url("/experiments/reaction_timer/"));
        assertEquals("Version two", driver.findElement(By.tagName("h1")).getText());
    }

    @Test
    void anActionInThePanelIsInTheAuditLogAndInTheExport() throws Exception {
        logIn();
        WebElement form = driver.findElement(By.id("create-form"));
        form.findElement(By.name("name")).sendKeys("Audit Probe");
        form.findElement(By.cssSelector("button[type=submit]")).click();
        wait.until(ExpectedConditions.urlContains("/admin/experiments/audit_probe"));
        wait.until(d -> !d.findElement(By.id("version")).getText().isBlank());
        new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("status-select"))).selectByValue("inactive");
        driver.findElement(By.id("status-save")).click();
        wait.until(ExpectedConditions.textToBe(By.id("message"), "Status: inactive"));

        driver.findElement(By.cssSelector("main a[href^='/admin/audit?slug=']")).click();
        wait.until(ExpectedConditions.urlContains("/admin/audit?slug=audit_probe"));
        By status = By.cssSelector("#audit tr[data-action='experiments.status']");
        wait.until(ExpectedConditions.presenceOfElementLocated(status));
        WebElement row = driver.findElement(status);
        assertTrue(row.getText().contains(adminEmail), row.getText());
        assertEquals("active", row.findElement(By.cssSelector("code.before")).getText().replace("\"", ""));
        assertEquals("inactive", row.findElement(By.cssSelector("code.after")).getText().replace("\"", ""));
        assertTrue(driver.findElements(By.cssSelector("#audit tr[data-action='experiments.create']")).size() == 1, "creation recorded");
        shot("admin-audit.png");

        // the filter narrows: another actor has no entries
        WebElement actor = driver.findElement(By.cssSelector("#audit-filter [name=actor]"));
        actor.sendKeys("nobody@example.org");
        driver.findElement(By.cssSelector("#audit-filter button[type=submit]")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.cssSelector("#audit tbody"), "No entries match."));

        // the experiment's export carries its audit entries
        String admin = AuthFlows.token(adminEmail, adminPassword);
        String id = given().auth().oauth2(admin).post("/admin/api/experiments/audit_probe/exports").then().statusCode(org.hamcrest.Matchers.lessThan(300))
                .extract().path("id");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).until(() -> "done".equals(
                given().auth().oauth2(admin).get("/admin/api/exports/" + id).then().extract().path("status")));
        byte[] zip = given().auth().oauth2(admin).get("/admin/api/exports/" + id + "/download").then().statusCode(200).extract().asByteArray();
        String audit = null;
        try (java.util.zip.ZipInputStream in = new java.util.zip.ZipInputStream(new java.io.ByteArrayInputStream(zip))) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals("audit.ndjson")) {
                    audit = new String(in.readAllBytes(), StandardCharsets.UTF_8);
                }
            }
        }
        assertTrue(audit != null && audit.contains("experiments.status") && audit.contains("experiments.create"), String.valueOf(audit));
    }

    @Test
    void activityOfAnExperimentAndItsTriggerFailures() throws Exception {
        String admin = AuthFlows.token(adminEmail, adminPassword);
        String slug = ActivityApiTest.experimentWithNotes(admin, "activity_demo");
        // a delivery that used up its attempts (as the trigger worker leaves one), for the failures table
        String delivery = "demo-" + System.nanoTime();
        TestMongo.client().getDatabase(db).getCollection(TriggerService.DELIVERIES).insertOne(new Document("_id", delivery).append("experiment", slug)
                .append("collection", "notes").append("function", "notify").append("operation", "insert").append("status", "failed")
                .append("attempts", 3).append("last_error", "HTTP 500").append("next_at", new Date()).append("created_at", new Date())
                .append("updated_at", new Date()));

        logIn();
        driver.get(url("/admin/experiments/" + slug));
        wait.until(d -> !d.findElement(By.id("act-requests")).getText().equals("–"));
        long before = Long.parseLong(driver.findElement(By.id("act-requests")).getText());
        for (int i = 0; i < 6; i++) {
            given().contentType("application/json").body(Map.of("n", i)).post("/experiments/" + slug + "/api/notes").then().statusCode(201);
        }
        given().get("/experiments/" + slug + "/api/notes/000000000000000000000000").then().statusCode(404);
        driver.navigate().refresh();
        // the totals follow the traffic; the chart (inline SVG) has the sampled points and the current one
        wait.until(d -> Long.parseLong(d.findElement(By.id("act-requests")).getText()) >= before + 7);
        wait.until(d -> Long.parseLong(d.findElement(By.id("act-data")).getText()) >= 7);
        assertTrue(driver.findElement(By.id("act-errors")).getText().startsWith("1"), driver.findElement(By.id("act-errors")).getText());
        assertTrue(driver.findElement(By.id("act-p95")).getText().endsWith(" ms"));
        wait.until(d -> Integer.parseInt(d.findElement(By.cssSelector("#activity-chart svg")).getDomAttribute("data-points")) >= 2);
        assertTrue(driver.findElements(By.cssSelector("#activity-chart svg polyline.requests")).size() == 1);
        driver.findElement(By.id("activity")).click();
        shot("admin-activity.png");

        // the failed delivery is listed; Retry queues it again (the worker then fails it anew: no such function)
        By row = By.cssSelector("#trigger-failures tr[data-id='" + delivery + "']");
        wait.until(ExpectedConditions.presenceOfElementLocated(row));
        assertTrue(driver.findElement(row).getText().contains("HTTP 500"), driver.findElement(row).getText());
        ((org.openqa.selenium.JavascriptExecutor) driver).executeScript("arguments[0].scrollIntoView()", driver.findElement(row));
        shot("admin-trigger-failures.png");
        driver.findElement(row).findElement(By.cssSelector("button.retry")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "queued again"));
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> {
            Document d = TestMongo.client().getDatabase(db).getCollection(TriggerService.DELIVERIES).find(new Document("_id", delivery)).first();
            return d != null && "failed".equals(d.getString("status")) && d.getInteger("attempts") == 1;
        });
        driver.navigate().refresh();
        wait.until(d -> d.findElement(row).getText().contains("no longer active"));
    }

    @Test
    void dataBrowserPagesEditsWithASchemaErrorAndDeletes() throws Exception {
        String admin = AuthFlows.token(adminEmail, adminPassword);
        DataAdminApiTest.experimentWithHiddenNotes(admin, "data_demo");
        for (int i = 2; i <= 23; i++) {
            given().contentType("application/json").body(Map.of("title", "note " + i)).post("/experiments/data_demo/api/notes").then().statusCode(201);
        }
        logIn();
        driver.get(url("/admin/experiments/data_demo"));
        driver.findElement(By.id("data-link")).click();
        wait.until(ExpectedConditions.urlContains("/admin/experiments/data_demo/data"));
        By notes = By.cssSelector("#collections tr[data-coll='notes']");
        wait.until(ExpectedConditions.presenceOfElementLocated(notes));
        assertEquals("23", driver.findElement(notes).findElement(By.cssSelector("td.count")).getText());
        driver.findElement(notes).findElement(By.cssSelector("button.open-coll")).click();
        // pages of 20: the next page holds the rest
        wait.until(d -> d.findElements(By.cssSelector("#doc-list tr[data-id]")).size() == 20);
        driver.findElement(By.id("doc-next")).click();
        wait.until(d -> d.findElements(By.cssSelector("#doc-list tr[data-id]")).size() == 3);
        // the data API's filter
        driver.findElement(By.cssSelector("#doc-query [name=filter]")).sendKeys("{\"title\": \"note 7\"}");
        driver.findElement(By.cssSelector("#doc-query button[type=submit]")).click();
        wait.until(d -> d.findElements(By.cssSelector("#doc-list tr[data-id]")).size() == 1);
        assertEquals("1 matching", driver.findElement(By.id("doc-count")).getText());
        shot("admin-data.png");
        // on a phone the documents become cards: nothing scrolls sideways
        driver.manage().window().setSize(new Dimension(390, 844));
        wait.until(d -> ((Number) ((JavascriptExecutor) d).executeScript(
                "return document.documentElement.scrollWidth - window.innerWidth")).longValue() <= 1);
        shot("admin-data-phone.png");
        driver.manage().window().setSize(new Dimension(1280, 1000));

        // open it, break the schema: the error is shown at its path and nothing is stored
        driver.findElement(By.cssSelector("#doc-list button.open-doc")).click();
        WebElement text = wait.until(ExpectedConditions.visibilityOfElementLocated(By.id("doc-json")));
        wait.until(d -> text.getDomProperty("value").contains("note 7"));
        String edited = text.getDomProperty("value").replace("\"note 7\"", "42");
        text.clear();
        text.sendKeys(edited);
        driver.findElement(By.id("doc-save")).click();
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#doc-errors li[data-path*='title']")));
        shot("admin-data-schema-error.png");
        given().auth().oauth2(admin).queryParam("filter", "{\"title\": \"note 7\"}").get("/admin/api/experiments/data_demo/data/notes")
                .then().statusCode(200).body("items.size()", org.hamcrest.Matchers.equalTo(1));
        // fix it and save
        text.clear();
        text.sendKeys(edited.replace("\"title\": 42", "\"title\": \"lucky seven\"")); // only the title (a time may hold "42")
        driver.findElement(By.id("doc-save")).click();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Saved notes/"));
        given().auth().oauth2(admin).queryParam("filter", "{\"title\": \"lucky seven\"}").get("/admin/api/experiments/data_demo/data/notes")
                .then().statusCode(200).body("items.size()", org.hamcrest.Matchers.equalTo(1));
        // delete
        driver.findElement(By.id("doc-delete")).click();
        driver.switchTo().alert().accept();
        wait.until(ExpectedConditions.textToBePresentInElementLocated(By.id("message"), "Deleted notes/"));
        wait.until(d -> "22".equals(d.findElement(notes).findElement(By.cssSelector("td.count")).getText()));
        // both edits are in the audit log
        driver.get(url("/admin/audit?slug=data_demo"));
        wait.until(ExpectedConditions.presenceOfElementLocated(By.cssSelector("#audit tr[data-action='data.replace']")));
        assertTrue(driver.findElements(By.cssSelector("#audit tr[data-action='data.delete']")).size() == 1);
    }
}
