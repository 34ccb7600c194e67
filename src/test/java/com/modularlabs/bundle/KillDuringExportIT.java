package com.modularlabs.bundle;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.hamcrest.Matchers.containsString;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.packaged.PackagedApp;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.response.Response;
import io.restassured.specification.RequestSpecification;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "export killed at 41 %": the packaged jar (embedded store) exporting a sizeable collection is killed
 * with SIGKILL while the export runs (0 &lt; percent &lt; 100) and restarted on the same data folder. Within the
 * export lease (3 s here, LABS_EXPORT_LEASE) the job is marked failed with the reason, its download answers 410
 * with that reason instead of 409 forever, and a new export of the same data completes and downloads intact.
 */
class KillDuringExportIT {
    static final String ADMIN = "export-kill-admin@example.com";
    static final String PASSWORD = "export-kill-admin-password-1";
    static final String NOTES = "/experiments/notes/api/notes";
    /**
     * ~9 KiB notes (few documents, many bytes: every insert also feeds the change log the embedded store scans),
     * 100 per request (under the 1 MiB body limit).
     */
    static final int PER_REQUEST = 100;
    /** Notes seeded before each attempt; at most a few thousand (the embedded store answers a getMore with all the rest). */
    static final int[] SIZES = {2000, 3500, 5000};

    PackagedApp app;
    String token;

    @AfterEach
    void stop() {
        if (app != null) {
            app.discard();
        }
    }

    @Test
    void anExportKilledMidwayIsFailedWithTheReasonAndANewOneSucceeds() throws Exception {
        Map<String, String> env = PackagedApp.embeddedEnv(ADMIN, PASSWORD);
        env.put("LABS_EXPORT_LEASE", "3s");
        env.put("LABS_EXPORT_LEASE_CHECK", "1s");
        app = new PackagedApp("kill-export", "app", env);
        app.start();
        app.awaitReady(Duration.ofSeconds(120));
        try {
            run();
        } catch (Throwable t) {
            app.printTail(60);
            throw t;
        }
    }

    RequestSpecification api() {
        return given().baseUri(app.url("")).auth().oauth2(token);
    }

    void run() throws Exception {
        token = given().baseUri(app.url("")).contentType(ContentType.JSON).body(Map.of("email", ADMIN, "password", PASSWORD))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
        Random random = new Random(11);
        int seeded = 0;
        String killedId = null;
        int killedAt = -1;
        // big enough that the export runs for a while; if it still finished before a poll saw it midway, add more data
        for (int attempt = 0; attempt < SIZES.length && killedId == null; attempt++) {
            int target = SIZES[attempt];
            while (seeded < target) {
                seed(seeded, PER_REQUEST, random);
                seeded += PER_REQUEST;
            }
            String id = api().post("/admin/api/experiments/notes/exports").then().statusCode(202).extract().path("id");
            String[] seen = new String[2];
            await().atMost(Duration.ofSeconds(120)).pollInterval(Duration.ofMillis(20)).until(() -> {
                JsonPath s = api().get("/admin/api/exports/" + id).then().statusCode(200).extract().jsonPath();
                seen[0] = s.getString("status");
                seen[1] = String.valueOf(s.getInt("percent"));
                return "done".equals(seen[0]) || "failed".equals(seen[0]) || ("running".equals(seen[0]) && s.getInt("percent") > 0 && s.getInt("percent") < 100);
            });
            assertTrue(!"failed".equals(seen[0]), "export failed on its own: " + api().get("/admin/api/exports/" + id).asString());
            if ("running".equals(seen[0])) {
                app.kill();
                killedId = id;
                killedAt = Integer.parseInt(seen[1]);
            }
        }
        assertTrue(killedId != null, "no export of up to " + seeded + " notes was ever seen midway");
        System.out.println("KillDuringExportIT: killed the jar with the export of " + seeded + " notes at " + killedAt + " %");

        app.start();
        app.awaitReady(Duration.ofSeconds(120));
        String status = "/admin/api/exports/" + killedId;
        // the restarted replica marks it failed once the lease of the killed one has run out (3 s lease, 1 s checks)
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> !List.of("queued", "running").contains(api().get(status).then().statusCode(200).extract().<String>path("status")));
        JsonPath failed = api().get(status).then().statusCode(200).extract().jsonPath();
        assertEquals("failed", failed.getString("status"), failed.prettify());
        String reason = failed.getString("error");
        java.util.regex.Matcher at = java.util.regex.Pattern.compile("Interrupted at (\\d+) %").matcher(reason);
        assertTrue(reason.contains("stopped renewing its lease") && at.find(), reason);
        int stored = Integer.parseInt(at.group(1)); // the job may have moved on between the last poll and the kill
        assertTrue(stored >= killedAt && stored < 100, reason);
        api().get(status + "/download").then().statusCode(410).contentType("application/problem+json")
                .body("detail", containsString("stopped renewing its lease"));

        // a new export of the same data completes, and its file is whole
        String again = api().post("/admin/api/experiments/notes/exports").then().statusCode(202).extract().path("id");
        await().atMost(Duration.ofSeconds(180)).pollInterval(Duration.ofMillis(200))
                .until(() -> !List.of("queued", "running").contains(api().get("/admin/api/exports/" + again).then().statusCode(200).extract().<String>path("status")));
        api().get("/admin/api/exports/" + again).then().statusCode(200).body("status", org.hamcrest.Matchers.equalTo("done"));
        Response zip = api().get("/admin/api/exports/" + again + "/download").then().statusCode(200).contentType("application/zip").extract().response();
        byte[] bytes = zip.asByteArray();
        assertEquals(zip.header("X-Checksum-SHA256"), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(bytes)));
        assertEquals(seeded, ndjsonLines(bytes, "data/notes.ndjson"), "documents in the new export");
        List<String> history = api().get("/admin/api/experiments/notes/exports").then().statusCode(200).extract().path("items.status");
        assertTrue(history.contains("failed") && history.get(0).equals("done") && !history.contains("running"), history.toString());
    }

    void seed(int from, int n, Random random) {
        StringBuilder json = new StringBuilder("[");
        byte[] noise = new byte[4400];
        for (int i = 0; i < n; i++) {
            random.nextBytes(noise);
            json.append(i == 0 ? "" : ",").append("{\"title\":\"n-").append(from + i).append("\",\"body\":\"")
                    .append(HexFormat.of().formatHex(noise)).append("\"}");
        }
        api().contentType(ContentType.JSON).body(json.append(']').toString()).post(NOTES).then().statusCode(201);
    }

    static long ndjsonLines(byte[] zip, String name) throws IOException {
        try (ZipInputStream in = new ZipInputStream(new ByteArrayInputStream(zip), StandardCharsets.UTF_8)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                if (e.getName().equals(name)) {
                    long lines = 0;
                    for (byte b : in.readAllBytes()) {
                        if (b == '\n') {
                            lines++;
                        }
                    }
                    return lines;
                }
            }
        }
        throw new AssertionError(name + " missing from the export");
    }
}
