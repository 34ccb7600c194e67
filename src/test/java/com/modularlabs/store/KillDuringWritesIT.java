package com.modularlabs.store;

import static io.restassured.RestAssured.given;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.packaged.PackagedApp;
import io.restassured.http.ContentType;
import io.restassured.path.json.JsonPath;
import io.restassured.specification.RequestSpecification;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 11, "embedded store, service killed with SIGKILL during writes": the packaged jar on its embedded durable
 * store, four clients (two users, real /auth/token logins) inserting notes through the data API, killed with
 * SIGKILL mid-stream and restarted on the same data folder. Every insert that got a 201 is there with its id and
 * exact content, nothing is there twice or garbled, and the service is ready and writable again. With
 * LABS_STORE_DURABILITY=delayed (mongo-java-server's own commit about once a second) this fails: the last
 * fraction of a second of acknowledged writes is gone (-Dit.durability=delayed shows it). Also: a second jar on
 * the same data folder is refused in one line.
 */
class KillDuringWritesIT {
    static final String ADMIN = "kill-admin@example.com";
    static final String PASSWORD = "kill-admin-password-1";
    static final String NOTES = "/experiments/notes/api/notes";
    static final int WRITERS = 4;
    static final int ACKED_BEFORE_KILL = 300;

    PackagedApp app;

    @AfterEach
    void stop() {
        if (app != null) {
            app.discard();
        }
    }

    @Test
    void everyAcknowledgedWriteSurvivesSigkillOfTheJar() throws Exception {
        Map<String, String> env = PackagedApp.embeddedEnv(ADMIN, PASSWORD);
        env.put("LABS_STORE_DURABILITY", System.getProperty("it.durability", "commit"));
        app = new PackagedApp("kill-writes", "app", env);
        app.start();
        app.awaitReady(Duration.ofSeconds(120));
        try {
            run();
        } catch (Throwable t) {
            app.printTail(40);
            throw t;
        }
    }

    void run() throws Exception {
        secondInstanceOnTheSameFolderIsRefusedInOneLine();
        String admin = token(ADMIN, PASSWORD);
        List<String> tokens = new ArrayList<>();
        for (int u = 0; u < 2; u++) {
            String email = "writer" + u + "@example.com";
            given().baseUri(app.url("")).auth().oauth2(admin).contentType(ContentType.JSON)
                    .body(Map.of("email", email, "password", "writer-password-" + u, "roles", List.of()))
                    .post("/admin/api/users").then().statusCode(201);
            tokens.add(token(email, "writer-password-" + u));
        }

        // title -> id of every insert answered 201; titles sent without a 2xx answer may or may not be stored
        Map<String, String> acked = new ConcurrentHashMap<>();
        Set<String> unanswered = ConcurrentHashMap.newKeySet();
        List<String> refusals = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean killed = new AtomicBoolean();
        ExecutorService pool = Executors.newFixedThreadPool(WRITERS);
        List<Future<?>> writers = new ArrayList<>();
        for (int w = 0; w < WRITERS; w++) {
            int writer = w;
            String token = tokens.get(w % tokens.size());
            writers.add(pool.submit(() -> {
                for (int i = 0; !killed.get() || i == 0; i++) {
                    String title = "w" + writer + "-" + i;
                    HttpRequest req = HttpRequest.newBuilder(URI.create(app.url(NOTES))).timeout(Duration.ofSeconds(30))
                            .header("Authorization", "Bearer " + token).header("Content-Type", "application/json")
                            .POST(HttpRequest.BodyPublishers.ofString("{\"title\":\"" + title + "\",\"body\":\"" + body(title) + "\"}")).build();
                    try {
                        HttpResponse<String> r = app.http.send(req, HttpResponse.BodyHandlers.ofString());
                        if (r.statusCode() == 201) {
                            String location = r.headers().firstValue("Location").orElseThrow();
                            acked.put(title, location.substring(location.lastIndexOf('/') + 1));
                        } else {
                            unanswered.add(title);
                            refusals.add(title + " -> " + r.statusCode() + " " + r.body());
                            if (!killed.get()) {
                                return null; // a refusal before the kill fails the test below
                            }
                        }
                    } catch (IOException dead) {
                        unanswered.add(title);
                        return null; // the jar is gone
                    }
                }
                return null;
            }));
        }
        await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(20))
                .until(() -> acked.size() >= ACKED_BEFORE_KILL || !refusals.isEmpty() || writers.stream().allMatch(Future::isDone));
        assertTrue(refusals.isEmpty(), "inserts refused before the kill: " + refusals);
        app.kill();
        killed.set(true);
        for (Future<?> f : writers) {
            f.get();
        }
        pool.shutdown();
        Map<String, String> ackedAtKill = new HashMap<>(acked);
        System.out.println("KillDuringWritesIT: " + ackedAtKill.size() + " inserts acknowledged, " + unanswered.size()
                + " unanswered when the jar was killed");

        app.start();
        app.awaitReady(Duration.ofSeconds(120));

        // everything stored, per user (notes are owner-read), through the data API with the tokens from before the kill
        Map<String, Integer> seen = new HashMap<>();
        List<String> problems = new ArrayList<>();
        for (String token : tokens) {
            for (Map<String, Object> d : all(token)) {
                String title = (String) d.get("title");
                String id = (String) ((Map<?, ?>) d.get("_id")).get("$oid");
                seen.merge(title, 1, Integer::sum);
                if (!body(title).equals(d.get("body"))) {
                    problems.add("garbled " + title + ": " + d.get("body"));
                }
                if (ackedAtKill.containsKey(title) && !ackedAtKill.get(title).equals(id)) {
                    problems.add(title + " acknowledged as " + ackedAtKill.get(title) + " but stored as " + id);
                }
                if (!ackedAtKill.containsKey(title) && !unanswered.contains(title)) {
                    problems.add("stored but never sent: " + title);
                }
            }
        }
        seen.forEach((title, n) -> {
            if (n > 1) {
                problems.add(title + " stored " + n + " times");
            }
        });
        List<String> lost = ackedAtKill.keySet().stream().filter(t -> !seen.containsKey(t)).sorted().toList();
        assertEquals(List.of(), lost, lost.size() + " of " + ackedAtKill.size() + " acknowledged inserts lost");
        assertEquals(List.of(), problems);
        assertTrue(seen.size() >= ackedAtKill.size() && seen.size() <= ackedAtKill.size() + unanswered.size(), "count " + seen.size());

        // ready and writable again
        given().baseUri(app.url("")).auth().oauth2(tokens.get(0)).contentType(ContentType.JSON)
                .body("{\"title\":\"after-restart\",\"body\":\"" + body("after-restart") + "\"}").post(NOTES).then().statusCode(201);
    }

    /** Issue 11, "second instance on the same data folder": it exits, saying in one line which folder is held. */
    void secondInstanceOnTheSameFolderIsRefusedInOneLine() throws Exception {
        PackagedApp second = new PackagedApp("kill-writes", "second", app.env);
        second.dataDir = app.dataDir;
        try {
            second.start();
            assertTrue(second.process.waitFor(180, java.util.concurrent.TimeUnit.SECONDS), "the second instance kept running");
            assertTrue(second.process.exitValue() != 0, "exit code " + second.process.exitValue());
            List<String> log = java.nio.file.Files.readAllLines(second.log());
            List<String> held = log.stream().filter(l -> l.contains("another instance holds the data folder " + app.dataDir.toAbsolutePath().normalize())).toList();
            assertEquals(1, held.size(), String.join("\n", log));
            assertEquals(0, log.stream().filter(l -> l.startsWith("\tat ") || l.contains("Exception:")).count(), String.join("\n", log));
        } finally {
            second.killNow();
        }
        given().baseUri(app.url("")).get("/experiments/click_tracker/").then().statusCode(200); // the first one is unharmed
    }

    /** Every note the token's user can read, page by page (keyset). */
    List<Map<String, Object>> all(String token) {
        List<Map<String, Object>> out = new ArrayList<>();
        String after = null;
        for (int pages = 0; pages < 1000; pages++) {
            RequestSpecification req = given().baseUri(app.url("")).auth().oauth2(token).queryParam("limit", "1000");
            if (after != null) {
                req.queryParam("after", after);
            }
            JsonPath page = req.get(NOTES).then().statusCode(200).extract().jsonPath();
            out.addAll(page.getList("items"));
            after = page.getString("next");
            if (after == null) {
                return out;
            }
        }
        throw new AssertionError("paging does not end");
    }

    /** The content each title must have: long enough to span more than a line of the store's pages, distinct per title. */
    static String body(String title) {
        StringBuilder sb = new StringBuilder(title).append(':');
        int h = title.hashCode();
        while (sb.length() < 400) {
            h = h * 31 + 7;
            sb.append(Integer.toHexString(h));
        }
        return sb.toString();
    }

    String token(String email, String password) {
        return given().baseUri(app.url("")).contentType(ContentType.JSON).body(Map.of("email", email, "password", password))
                .post("/auth/token").then().statusCode(200).extract().path("access_token");
    }
}
