package com.modularlabs.auth;

import com.modularlabs.browser.Browsers;
import com.modularlabs.bundle.BundlePaths;
import static com.modularlabs.auth.AuthFlows.ADMIN;
import static com.modularlabs.auth.AuthFlows.ADMIN_PW;
import static com.modularlabs.auth.AuthFlows.adminToken;
import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.bundle.Zips;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.vertx.core.json.JsonObject;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * Issue 9: a hostile bundle's page, visited by a logged-in admin in a real browser (headless Debian chromium), tries
 * every same-origin way to act as the admin: fetch('/admin/api/users'), fetch() of the panel page for its token, an
 * iframe and a popup of the panel. It must get no user data, while its own data API calls keep working.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class AdminOriginBrowserTest {

    /** The hostile front-end: reports what it could read into #out (JSON). */
    static final String PROBE = """
            (async function () {
              var out = {};
              async function grab(url, opts) {
                try { var r = await fetch(url, opts || {}); return r.status + ' ' + (await r.text()).slice(0, 3000); }
                catch (e) { return 'error ' + e; }
              }
              function tokenIn(text) {
                var m = /name="labs-admin-token" content="([^"]+)"/.exec(text || '');
                return m ? m[1] : null;
              }
              out.users = await grab('/admin/api/users');
              out.usersInclude = await grab('/admin/api/users', { credentials: 'include', headers: { 'X-Labs-Admin-Token': 'guess' } });
              out.panel = await grab('/admin');
              out.frame = await new Promise(function (done) {
                var f = document.createElement('iframe');
                f.src = '/admin';
                f.onload = function () {
                  try { done('read ' + f.contentDocument.documentElement.outerHTML.slice(0, 3000)); }
                  catch (e) { done('blocked ' + e.name); }
                };
                document.body.appendChild(f);
              });
              var w = null;
              try { w = window.open('/admin/api/users'); } catch (e) { out.popup = 'blocked ' + e.name; }
              if (w) {
                out.popup = await new Promise(function (done) {
                  var tries = 0;
                  (function look() {
                    try {
                      var text = w.document && w.document.body ? w.document.body.innerText : '';
                      if (text) { done('read ' + text.slice(0, 3000)); return; }
                    } catch (e) { done('blocked ' + e.name); return; }
                    if (w.closed) { done('closed'); return; }
                    if (++tries > 50) { done('nothing'); return; }
                    setTimeout(look, 100);
                  })();
                });
                try { w.close(); } catch (e) { }
              }
              var token = tokenIn(out.panel) || tokenIn(out.frame) || tokenIn(out.popup);
              out.withStolenToken = token ? await grab('/admin/api/users', { headers: { 'X-Labs-Admin-Token': token } }) : 'no token';
              out.ownData = (await grab('/experiments/SLUG/api/notes')).slice(0, 3);
              var el = document.getElementById('out');
              el.textContent = JSON.stringify(out);
              el.setAttribute('data-done', '1');
            })();
            """;

    @TestHTTPResource("/")
    URL base;
    ChromeDriver driver;
    Path profile;

    @BeforeEach
    void startBrowser() throws Exception {
        profile = Files.createTempDirectory("chromium-profile");
        driver = Browsers.chrome(profile, "--disable-popup-blocking");
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

    @Test
    void aBundlesScriptCannotActAsTheVisitingAdmin() throws Exception {
        String slug = "hostile_" + UUID.randomUUID().toString().substring(0, 6);
        byte[] zip = Zips.bundle(slug, "Hostile", "<!doctype html><html><body><h1>Hello</h1><pre id=\"out\"></pre>"
                + "<script src=\"static/probe.js\"></script></body></html>").add("static/probe.js", PROBE.replace("SLUG", slug)).bytes();
        given().auth().oauth2(adminToken()).contentType("application/zip").body(zip).post("/admin/api/experiments/" + slug + "/bundle")
                .then().statusCode(200);

        WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(30));
        driver.get(url("/auth/login?next=/admin"));
        driver.findElement(By.name("email")).sendKeys(ADMIN);
        driver.findElement(By.name("password")).sendKeys(ADMIN_PW);
        driver.findElement(By.cssSelector("form[action='/auth/login'] button[type=submit]")).click();
        wait.until(ExpectedConditions.urlMatches("/admin$"));
        assertTrue(driver.getPageSource().contains("Experiments"), "the admin panel works for the admin");

        driver.get(url("/experiments/" + slug + "/"));
        wait.until(d -> "1".equals(d.findElement(By.id("out")).getDomAttribute("data-done")));
        String report = driver.findElement(By.id("out")).getText();
        Files.createDirectories(Path.of("target"));
        Files.copy(driver.getScreenshotAs(OutputType.FILE).toPath(), Path.of("target/admin-origin-probe.png"), StandardCopyOption.REPLACE_EXISTING);
        JsonObject out = new JsonObject(report);
        assertFalse(report.contains(ADMIN), "the hostile page read admin data: " + report);
        assertTrue(out.getString("users").startsWith("403"), report);
        assertTrue(out.getString("usersInclude").startsWith("403"), report);
        assertTrue(out.getString("panel").startsWith("403") && !out.getString("panel").contains("labs-admin-token"), report);
        assertTrue(out.getString("frame").startsWith("blocked"), report);
        assertFalse(out.getString("popup", "").startsWith("read"), report);
        assertEquals("no token", out.getString("withStolenToken"), report);
        // its own data API still answers with the visitor's session
        assertEquals("200", out.getString("ownData"), report);
        // and the admin's panel session still works after the visit
        driver.get(url("/admin"));
        wait.until(ExpectedConditions.urlMatches("/admin$"));
        assertTrue(driver.getPageSource().contains("labs-admin-token"), "panel page served to a top-level navigation");
    }
}
