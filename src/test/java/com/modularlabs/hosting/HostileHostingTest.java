package com.modularlabs.hosting;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.common.Gen;
import com.modularlabs.observability.LogCapture;
import com.modularlabs.observability.Management;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.restassured.response.Response;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Static hosting and the metrics attacked from the URL: encoded dots and slashes, NUL, backslashes, overlong
 * UTF-8, many and long segments, dot-files, odd Range and conditional headers; and user-chosen paths must not
 * become metric labels. Expected: 200/206/304/416 for real files, 4xx otherwise (problem+json from the engine,
 * or the HTTP layer's own 414 for an over-long request line), never a 5xx, never a file outside static/.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class HostileHostingTest {
    static final String STATIC = "/experiments/click_tracker/static/";
    static final String[] SEGMENTS = {"..", ".", "%2e%2e", "%2E%2E", "%252e%252e", ".%2e", "%2e.", "..%2f", "..%2F", "%2f", "%5c",
            "..%5c", "%00", "a%00b", "%c0%ae%c0%ae", "%e0%80%ae", "%ff", "~", ".git", ".env", "..;", ";", "%3b",
            "app.js", "index.html", "style.css", "manifest.json", "seed", "static", "%20", "\u00e9", "CON",
            "app.js%00.png", "app.js::$DATA", "APP.JS", "app.js.", "app.js%20", "x".repeat(255)};

    static final List<String> FILES = Stream.of("app.js", "index.html", "style.css").map(f -> {
        try {
            return Files.readString(Path.of("experiments/click_tracker/static", f));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }).toList();

    static void notServedOutside(Response r, String path) {
        int s = r.statusCode();
        String body = r.asString();
        assertTrue(s < 500, path + " answered " + s + ": " + body);
        if (s >= 400 && s != 414) {
            assertTrue(r.contentType().startsWith("application/problem+json"), path + " answered " + s + " as " + r.contentType());
        }
        assertFalse(body.contains("\"collections\""), path + " served the manifest");
        assertFalse(body.contains("root:"), path + " served a system file");
        assertFalse(body.contains("Exception"), path + " leaks an exception: " + body);
    }

    @Test
    void generatedStaticPathsServeOnlyStaticFiles() {
        try (LogCapture logs = LogCapture.of("")) {
            Gen.forAll(300, g -> String.join("/", g.list(1, 6, () -> g.of(SEGMENTS))), p -> {
                Response r = given().urlEncodingEnabled(false).redirects().follow(false).get(STATIC + p);
                notServedOutside(r, p);
                if (r.statusCode() == 200) { // "%2e%2e" alone leads to the experiment's page, which is static/index.html
                    assertTrue(FILES.contains(r.asString()), "only the three static files are served: " + p);
                }
            });
            assertEquals(List.of(), logs.tracesOrErrors(), "no stack trace or error logged for odd static paths");
        }
    }

    @Test
    void rangeAndConditionalHeadersNeverBreakAResponse() {
        for (String range : List.of("bytes=0-0", "bytes=0-", "bytes=-1", "bytes=5-2", "bytes=999999999-", "bytes=-0",
                "bytes=" + "0-1,".repeat(500) + "0-1", "bytes=a-b", "items=0-1", "bytes=0-99999999999999999999999", "bytes=")) {
            Response r = given().header("Range", range).get(STATIC + "app.js");
            assertTrue(List.of(200, 206, 416).contains(r.statusCode()), range + " answered " + r.statusCode());
        }
        for (String etag : List.of("*", "\"x\"", "W/\"x\"", "\u0000", "\"" + "x".repeat(3000) + "\"")) {
            int s = given().header("If-None-Match", etag).get(STATIC + "app.js").statusCode();
            assertTrue(s == 200 || s == 304, etag + " answered " + s);
        }
        for (String date : List.of("yesterday", "Thu, 01 Jan 1970 00:00:00 GMT", "Fri, 31 Dec 9999 23:59:59 GMT", "")) {
            int s = given().header("If-Modified-Since", date).get(STATIC + "app.js").statusCode();
            assertTrue(s == 200 || s == 304, date + " answered " + s);
        }
    }

    @Test
    void userChosenPathsAndSlugsAreNotMetricLabels() {
        for (int i = 0; i < 60; i++) {
            given().get("/experiments/click_tracker/static/probe-" + i + ".js");
            given().get("/experiments/nosuch-" + i + "/");
            given().get("/nowhere-" + i + "/deeper");
            given().get("/experiments/click_tracker/api/coll" + i);
            given().get("/experiments/click_tracker/api/_queries/q" + i);
        }
        String metrics = Management.management().get("/q/metrics").then().statusCode(200).extract().asString();
        for (String leaked : List.of("probe-", "nosuch-", "nowhere-", "coll1", "q17")) {
            assertFalse(metrics.contains(leaked), "a path chosen by the client became a label: " + leaked);
        }
    }
}
