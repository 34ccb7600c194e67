package com.modularlabs.auth;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.packaged.PackagedApp;
import io.restassured.http.ContentType;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "first start fails (busy HTTP port) after creating the admin": the packaged jar, no ADMIN_PASSWORD, first
 * started while its HTTP port is taken (it exits), then started normally on the same data folder: the log names the
 * admin accounts and the one-command recovery; a restart with ADMIN_PASSWORD_RESET=true and ADMIN_PASSWORD sets a
 * new password that logs in (and is not logged). And a first start's admin creation is off the readiness path, yet the
 * admin logs in right at readiness.
 */
class AdminRecoveryIT {
    static final String ADMIN = "recovery-admin@example.com";
    static final String NEW_PASSWORD = "Recovered-admin-pw-4711";

    PackagedApp app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.discard();
        }
    }

    @Test
    void aLostOneTimePasswordIsRecoveredWithOneRestart() throws Exception {
        Map<String, String> env = PackagedApp.embeddedEnv(ADMIN, "unused");
        env.remove("ADMIN_PASSWORD");
        app = new PackagedApp("admin-recovery", "app", env);
        try {
            try (ServerSocket busy = new ServerSocket(app.port, 50, InetAddress.getLoopbackAddress())) {
                app.start();
                assertTrue(app.process.waitFor(180, TimeUnit.SECONDS), "the jar kept running on a busy port");
                assertTrue(app.process.exitValue() != 0, "exit code " + app.process.exitValue());
            }

            app.start();
            app.awaitReady(Duration.ofSeconds(120));
            // if the first start exited before its admin creation (which runs after the startup observers), this one
            // creates the admin and logs the line just after ready
            await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
                String log = Files.readString(app.log());
                assertTrue(log.contains("Admin accounts: " + ADMIN) && log.contains("ADMIN_PASSWORD_RESET=true"), log);
            });
            app.stop();

            app.env.put("ADMIN_PASSWORD_RESET", "true");
            app.env.put("ADMIN_PASSWORD", NEW_PASSWORD);
            app.start();
            app.awaitReady(Duration.ofSeconds(120));
            String token = given().baseUri(app.url("")).contentType(ContentType.JSON).body(Map.of("email", ADMIN, "password", NEW_PASSWORD))
                    .post("/auth/token").then().statusCode(200).extract().path("access_token");
            given().baseUri(app.url("")).auth().oauth2(token).get("/admin/api/experiments").then().statusCode(200);
            given().baseUri(app.url("")).contentType(ContentType.JSON).body(Map.of("email", ADMIN, "password", "a-guessed-password-1"))
                    .post("/auth/token").then().statusCode(401);
            List<String> lines = Files.readAllLines(app.log());
            assertEquals(0, lines.stream().filter(l -> l.contains(NEW_PASSWORD)).count(), "the new password is never logged");
        } catch (Throwable t) {
            app.printTail(40);
            throw t;
        }
    }

    /**
     * Issue 10, first start: readiness does not wait for the admin's bcrypt (it runs after the startup observers, here
     * made slow with cost 14, ~16 times the tests' usual), but a login for that admin as soon as the service is ready
     * waits for the creation and succeeds. The old code created the admin before the "started" line.
     */
    @Test
    void theAdminLogsInRightAtReadinessAlthoughItsCreationIsOffTheReadinessPath() throws Exception {
        Map<String, String> env = PackagedApp.embeddedEnv(ADMIN, NEW_PASSWORD);
        env.put("LABS_BCRYPT_COST", "14");
        app = new PackagedApp("admin-at-ready", "app", env);
        try {
            app.start();
            app.awaitReady(Duration.ofSeconds(120));
            given().baseUri(app.url("")).contentType(ContentType.JSON).body(Map.of("email", ADMIN, "password", NEW_PASSWORD))
                    .post("/auth/token").then().statusCode(200);
            List<String> lines = Files.readAllLines(app.log());
            int started = indexOf(lines, "started in");
            int created = indexOf(lines, "Created admin " + ADMIN);
            assertTrue(started >= 0 && created > started, "the admin is created after the start, not before ready: " + lines);
        } catch (Throwable t) {
            app.printTail(40);
            throw t;
        }
    }

    private static int indexOf(List<String> lines, String part) {
        for (int i = 0; i < lines.size(); i++) {
            if (lines.get(i).contains(part)) {
                return i;
            }
        }
        return -1;
    }
}
