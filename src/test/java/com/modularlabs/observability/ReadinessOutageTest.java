package com.modularlabs.observability;

import static com.modularlabs.observability.Management.management;

import com.modularlabs.store.MongoTestResource;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import io.quarkus.test.junit.QuarkusTestProfile;
import io.quarkus.test.junit.TestProfile;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/** Own profile: it takes the database away, so it must not share a running app with other tests. */
@QuarkusTest
@TestProfile(ReadinessOutageTest.Outage.class)
@QuarkusTestResource(value = MongoTestResource.class, restrictToAnnotatedClass = true)
class ReadinessOutageTest {
    public static class Outage implements QuarkusTestProfile {
    }

    @Test
    void readyGoesDownWhenTheDatabaseStopsAndUpWhenItReturns() throws Exception {
        Assumptions.assumeTrue(MongoTestResource.embedded(), "needs the embedded test server");
        await(200, 20);
        MongoTestResource.stopDatabase();
        await(503, 20);
        MongoTestResource.restartDatabase();
        await(200, 40);
    }

    private static void await(int status, int seconds) throws InterruptedException {
        long deadline = System.currentTimeMillis() + seconds * 1000L;
        int last = -1;
        while (System.currentTimeMillis() < deadline) {
            last = management().get("/q/health/ready").statusCode();
            if (last == status) {
                return;
            }
            Thread.sleep(250);
        }
        throw new AssertionError("/q/health/ready stayed " + last + ", expected " + status);
    }
}
