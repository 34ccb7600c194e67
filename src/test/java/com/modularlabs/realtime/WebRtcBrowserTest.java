package com.modularlabs.realtime;

import com.modularlabs.browser.Browsers;
import static org.junit.jupiter.api.Assertions.assertTrue;

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
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.By;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The WebRTC sample (experiments/webrtc_demo): two headless Chromium sessions in one room find each other through
 * signals delivered by realtime subscriptions and exchange a message over the data channel (host candidates only,
 * no STUN). Skipped without /usr/bin/chromium and /usr/bin/chromedriver. Screenshots: target/webrtc-*.png.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class WebRtcBrowserTest {

    @TestHTTPResource("/")
    URL base;

    private static WebDriver browser(Path profile) {
        // host candidates as plain addresses (no mDNS names nobody resolves here), loopback allowed
        return Browsers.chrome(profile, "--disable-features=WebRtcHideLocalIpsWithMdns", "--allow-loopback-in-peer-connection");
    }

    private static String state(WebDriver d) {
        return d.findElement(By.id("state")).getText().trim().toLowerCase();
    }

    @Test
    void twoBrowsersOpenADataChannelThroughEngineSignalling() throws Exception {
        String room = "t" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String page = base.toString().replaceAll("/$", "") + "/experiments/webrtc_demo/#" + room;
        List<Path> profiles = new ArrayList<>();
        List<WebDriver> browsers = new ArrayList<>();
        try {
            for (int i = 0; i < 2; i++) {
                profiles.add(Files.createTempDirectory("labs-webrtc"));
                browsers.add(browser(profiles.get(i)));
            }
            WebDriver a = browsers.get(0);
            WebDriver b = browsers.get(1);
            a.get(page);
            new WebDriverWait(a, Duration.ofSeconds(15)).until(d -> state(d).startsWith("waiting"));
            b.get(page);
            for (WebDriver d : browsers) {
                new WebDriverWait(d, Duration.ofSeconds(30)).until(x -> state(x).equals("connected"));
            }
            a.findElement(By.name("text")).sendKeys("hello over the data channel");
            a.findElement(By.cssSelector("#send button")).click();
            new WebDriverWait(b, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("#log li")).stream()
                    .anyMatch(li -> li.getText().equals("hello over the data channel")));
            b.findElement(By.name("text")).sendKeys("and back");
            b.findElement(By.cssSelector("#send button")).click();
            new WebDriverWait(a, Duration.ofSeconds(10)).until(d -> d.findElements(By.cssSelector("#log li:not(.mine)")).stream()
                    .anyMatch(li -> li.getText().equals("and back")));
            assertTrue(a.findElement(By.id("status")).getText().isEmpty(), a.findElement(By.id("status")).getText());
        } finally {
            for (int i = 0; i < browsers.size(); i++) {
                File f = ((TakesScreenshot) browsers.get(i)).getScreenshotAs(OutputType.FILE);
                Files.createDirectories(Path.of("target"));
                Files.copy(f.toPath(), Path.of("target", "webrtc-" + i + ".png"), StandardCopyOption.REPLACE_EXISTING);
                browsers.get(i).quit();
            }
            for (Path p : profiles) {
                try (var walk = Files.walk(p)) {
                    walk.sorted(java.util.Comparator.reverseOrder()).forEach(x -> x.toFile().delete());
                }
            }
        }
    }
}
