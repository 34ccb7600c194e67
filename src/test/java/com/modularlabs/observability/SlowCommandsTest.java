package com.modularlabs.observability;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.modularlabs.store.StoreConfig;
import com.modularlabs.store.StoreOutage;
import com.mongodb.ServerAddress;
import com.mongodb.connection.ClusterId;
import com.mongodb.connection.ConnectionDescription;
import com.mongodb.connection.ServerId;
import com.mongodb.event.CommandStartedEvent;
import com.mongodb.event.CommandSucceededEvent;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** Index builds (slow by nature, four of them at every fresh start) are not counted or logged as slow commands. */
class SlowCommandsTest {
    static final ConnectionDescription CONNECTION = new ConnectionDescription(new ServerId(new ClusterId(), new ServerAddress()));

    record Config(long slowQueryMs) implements StoreConfig {
        public int embeddedPort() {
            return 0;
        }

        public String dataDir() {
            return ".";
        }

        public Duration operationTimeout() {
            return Duration.ofSeconds(6);
        }

        public boolean driverRetries() {
            return false;
        }

        public int outageRetryAfterSeconds() {
            return 5;
        }

        public String durability() {
            return "commit";
        }
    }

    @Test
    void createIndexesIsNotASlowQueryButASlowFindIs() {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        MongoCommandMetrics metrics = new MongoCommandMetrics(new Config(100), meters, new StoreOutage());
        run(metrics, 1, "createIndexes", 2_000);
        run(metrics, 2, "dropIndexes", 2_000);
        assertEquals(0.0, meters.get("labs.mongodb.slow.commands").counter().count(), "index builds are not slow queries");
        run(metrics, 3, "find", 2_000);
        run(metrics, 4, "find", 5);
        assertEquals(1.0, meters.get("labs.mongodb.slow.commands").counter().count(), "a slow find still counts");
    }

    private static void run(MongoCommandMetrics metrics, int requestId, String command, long millis) {
        BsonDocument cmd = new BsonDocument(command, new BsonString("users")).append("$db", new BsonString("labs_db"));
        metrics.commandStarted(new CommandStartedEvent(null, 1L, requestId, CONNECTION, "labs_db", command, cmd));
        metrics.commandSucceeded(new CommandSucceededEvent(null, 1L, requestId, CONNECTION, "labs_db", command,
                new BsonDocument("ok", new BsonInt32(1)), TimeUnit.MILLISECONDS.toNanos(millis)));
    }
}
