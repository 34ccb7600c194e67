package com.modularlabs.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.auth.Subjects;
import com.modularlabs.common.Failure;
import com.modularlabs.common.ProblemMappers;
import com.modularlabs.data.DataService.Caller;
import com.modularlabs.data.DataService.ListParams;
import com.modularlabs.store.MongoTestResource;
import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.security.runtime.QuarkusPrincipal;
import io.quarkus.security.runtime.QuarkusSecurityIdentity;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/**
 * The admin data browser's way in: {@link Caller#administrator} passes every access level (none included) but
 * nothing else: the collection's schema, the size limit and the update checks still refuse, as for any caller.
 */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class DataServiceAdminTest extends DataApiTest {
    static final Duration T = Duration.ofSeconds(30);

    @Inject
    DataService data;

    static SecurityIdentity identity(String name, String... roles) {
        QuarkusSecurityIdentity.Builder b = QuarkusSecurityIdentity.builder().setPrincipal(new QuarkusPrincipal(name));
        for (String r : roles) {
            b.addRole(r);
        }
        return b.build();
    }

    @Test
    void administratorPassesAccessLevelsButNotTheChecks() {
        Caller admin = Caller.administrator(identity("root@example.org", Subjects.ADMIN_ROLE));
        // "secret" is read: none, create: admin — refused over HTTP to everybody, readable by the admin browser
        Document stored = data.insert("t_alpha", "secret", "{\"k\": \"v\"}", admin).await().atMost(T).documents().get(0);
        Listing.Page page = data.list("t_alpha", "secret", new ListParams("{\"k\": \"v\"}", null, null, "10", null, true), admin)
                .page().await().atMost(T);
        assertTrue(page.items().stream().anyMatch(d -> stored.get("_id").equals(d.get("_id"))), page.toString());
        assertEquals(page.items().size(), page.count().orElseThrow().intValue());
        Failure none = assertThrows(Failure.class, () -> data.list("t_alpha", "secret",
                new ListParams(null, null, null, null, null, false), Caller.of(identity("root@example.org", Subjects.ADMIN_ROLE))));
        assertEquals(403, ProblemMappers.status(none));

        // the schema of "docs" (title: string, at most 10 characters) still applies, and so does max_document_bytes
        Failure schema = assertThrows(Failure.class,
                () -> data.insert("t_alpha", "docs", "{\"title\": 5}", admin).await().atMost(T));
        assertEquals(400, ProblemMappers.status(schema));
        Failure size = assertThrows(Failure.class,
                () -> data.insert("t_alpha", "docs", "{\"title\": \"t\", \"pad\": \"" + "x".repeat(3000) + "\"}", admin).await().atMost(T));
        assertEquals(413, ProblemMappers.status(size));
        // engine fields stay untouchable through update operators
        Failure engine = assertThrows(Failure.class, () -> data.patch("t_alpha", "secret",
                stored.getObjectId("_id").toHexString(), "{\"$set\": {\"experiment_id\": \"t_gamma\"}}", false, admin).await().atMost(T));
        assertEquals(400, ProblemMappers.status(engine));
        Document after = data.get("t_alpha", "secret", stored.getObjectId("_id").toHexString(), admin).await().atMost(T);
        assertEquals("t_alpha", after.getString("experiment_id"));
        data.delete("t_alpha", "secret", stored.getObjectId("_id").toHexString(), admin).await().atMost(T);
        assertEquals(0L, data.count("t_alpha", "secret", "{\"k\": \"v\"}", admin).await().atMost(T));
    }

    @Test
    void onlyAdminsMayActAsAdministrator() {
        Failure e = assertThrows(Failure.class, () -> Caller.administrator(identity("ann@example.org", "editor")));
        assertEquals(403, ProblemMappers.status(e));
    }
}
