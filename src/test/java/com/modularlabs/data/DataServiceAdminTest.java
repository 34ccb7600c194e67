package com.modularlabs.data;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.auth.Subjects;
import com.modularlabs.common.ProblemException;
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
        ProblemException none = assertThrows(ProblemException.class, () -> data.list("t_alpha", "secret",
                new ListParams(null, null, null, null, null, false), Caller.of(identity("root@example.org", Subjects.ADMIN_ROLE))));
        assertEquals(403, none.status());

        // the schema of "docs" (title: string, at most 10 characters) still applies, and so does max_document_bytes
        ProblemException schema = assertThrows(ProblemException.class,
                () -> data.insert("t_alpha", "docs", "{\"title\": 5}", admin).await().atMost(T));
        assertEquals(400, schema.status());
        ProblemException size = assertThrows(ProblemException.class,
                () -> data.insert("t_alpha", "docs", "{\"title\": \"t\", \"pad\": \"" + "x".repeat(3000) + "\"}", admin).await().atMost(T));
        assertEquals(413, size.status());
        // engine fields stay untouchable through update operators
        ProblemException engine = assertThrows(ProblemException.class, () -> data.patch("t_alpha", "secret",
                stored.getObjectId("_id").toHexString(), "{\"$set\": {\"experiment_id\": \"t_gamma\"}}", false, admin).await().atMost(T));
        assertEquals(400, engine.status());
        Document after = data.get("t_alpha", "secret", stored.getObjectId("_id").toHexString(), admin).await().atMost(T);
        assertEquals("t_alpha", after.getString("experiment_id"));
        data.delete("t_alpha", "secret", stored.getObjectId("_id").toHexString(), admin).await().atMost(T);
        assertEquals(0L, data.count("t_alpha", "secret", "{\"k\": \"v\"}", admin).await().atMost(T));
    }

    @Test
    void onlyAdminsMayActAsAdministrator() {
        ProblemException e = assertThrows(ProblemException.class, () -> Caller.administrator(identity("ann@example.org", "editor")));
        assertEquals(403, e.status());
    }
}
