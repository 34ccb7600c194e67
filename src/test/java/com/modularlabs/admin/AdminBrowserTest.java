package com.modularlabs.admin;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.bundle.Zips;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.common.http.TestHTTPResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.security.TestSecurity;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * The admin panel in headless Chromium (Debian's chromium; skipped when absent). Until the login page lands the
 * browser is authorised by @TestSecurity (which applies to every request during the test), so this checks the
 * rendered DOM (server-rendered groups, the JS-filled manifest editor) and the deactivate/reactivate calls the
 * page's buttons make.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
@TestSecurity(user = "admin@example.com", roles = "admin")
class AdminBrowserTest {
    static final Path CHROMIUM = Path.of("/usr/bin/chromium");

    @TestHTTPResource("/")
    URL base;

    static String dumpDom(String url) throws Exception {
        Path profile = Files.createTempDirectory("chromium-profile");
        Process p = new ProcessBuilder(CHROMIUM.toString(), "--headless", "--no-sandbox", "--disable-gpu",
                "--disable-background-networking", "--disable-dev-shm-usage", "--user-data-dir=" + profile,
                "--virtual-time-budget=5000", "--dump-dom", url).redirectError(ProcessBuilder.Redirect.DISCARD).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "chromium finished");
        return new String(out, StandardCharsets.UTF_8);
    }

    @Test
    void panelRendersAndSwitchesStatus() throws Exception {
        Assumptions.assumeTrue(Files.isExecutable(CHROMIUM), "chromium not installed");
        given().contentType("application/zip").body(Zips.bundle("browsed", "Browsed", "<p>live page</p>").bytes())
                .post("/admin/api/experiments/browsed/bundle").then().statusCode(200);
        String dashboard = dumpDom(base + "admin");
        assertTrue(dashboard.contains("data-slug=\"browsed\"") && dashboard.contains("Deactivate"), dashboard);
        String detail = dumpDom(base + "admin/experiments/browsed");
        // textarea values are not serialised by --dump-dom; the version span is filled by the same JS call
        assertTrue(detail.matches("(?s).*<span id=\"version\">\\d+</span>.*"), "admin.js loaded the config: " + detail);
        // what the Deactivate button calls; then the experiment's page answers 404 in the browser too
        given().contentType("application/json").body("{\"status\":\"inactive\"}").post("/admin/api/experiments/browsed/status").then().statusCode(200);
        assertTrue(dumpDom(base + "experiments/browsed/").contains("404") || !dumpDom(base + "experiments/browsed/").contains("live page"));
        assertTrue(dumpDom(base + "admin").contains("data-status=\"active\""));
        given().contentType("application/json").body("{\"status\":\"active\"}").post("/admin/api/experiments/browsed/status").then().statusCode(200);
        assertTrue(dumpDom(base + "experiments/browsed/").contains("live page"));
    }
}
