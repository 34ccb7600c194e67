package com.modularlabs.bundle;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.observability.Management;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * One MongoDB client per process (issue 10): after the service has stored an upload in GridFS, run an export,
 * served its download and run the storage sweep, the driver's connection pool metrics name exactly one cluster,
 * i.e. one client with one pool. Bundles, exports and GridFS used to open a second, synchronous client.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class OneClientTest {
    static final Pattern CLUSTER = Pattern.compile("^mongodb_driver_pool_size\\{[^}]*cluster_id=\"([^\"]+)\"");

    @Inject
    StorageSweeper sweeper;

    static Set<String> clusters() {
        String body = Management.management().get("/q/metrics").then().statusCode(200).extract().asString();
        Set<String> ids = new TreeSet<>();
        for (String line : body.lines().toList()) {
            Matcher m = CLUSTER.matcher(line);
            if (m.find()) {
                ids.add(m.group(1));
            }
        }
        return ids;
    }

    @Test
    void uploadsExportsAndDownloadsShareTheEngineClient() {
        String token = AdminLogin.token();
        AdminLogin.as(token).contentType("application/zip").body(Zips.bundle("oneclient", "One client", "<p>one</p>").bytes())
                .post("/admin/api/experiments/oneclient/bundle").then().statusCode(200);
        String id = AdminLogin.as(token).post("/admin/api/experiments/oneclient/exports").then().statusCode(202).extract().path("id");
        await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200))
                .until(() -> "done".equals(AdminLogin.as(token).get("/admin/api/exports/" + id).then().statusCode(200).extract().path("status")));
        byte[] zip = AdminLogin.as(token).get("/admin/api/exports/" + id + "/download").then().statusCode(200).extract().asByteArray();
        assertTrue(zip.length > 0);
        AdminLogin.as(token).get("/admin/api/experiments/oneclient/exports").then().statusCode(200);
        sweeper.sweep();

        Set<String> ids = clusters();
        assertEquals(1, ids.size(), "connection pools of more than one MongoDB client (cluster ids " + ids + ")");
    }
}
