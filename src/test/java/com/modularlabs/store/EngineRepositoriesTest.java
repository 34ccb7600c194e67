package com.modularlabs.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.modularlabs.audit.AuditRepository;
import com.modularlabs.auth.CasbinRuleRepository;
import com.modularlabs.auth.InviteRepository;
import com.modularlabs.auth.LoginFailureRepository;
import com.modularlabs.auth.SessionRepository;
import com.modularlabs.auth.SettingsRepository;
import com.modularlabs.auth.UserRepository;
import com.modularlabs.registry.CollectionClaimRepository;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentSummary;
import com.modularlabs.registry.SeedMarkerRepository;
import com.mongodb.client.model.Projections;
import io.quarkus.mongodb.panache.reactive.ReactivePanacheMongoRepositoryBase;
import io.quarkus.test.common.QuarkusTestResource;
import io.quarkus.test.junit.QuarkusTest;
import jakarta.inject.Inject;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.bson.Document;
import org.junit.jupiter.api.Test;

/** The engine's own collections are Panache repositories on reserved names, each with the indexes its queries use. */
@QuarkusTest
@QuarkusTestResource(MongoTestResource.class)
class EngineRepositoriesTest {
    @Inject
    ExperimentConfigRepository configs;
    @Inject
    UserRepository users;
    @Inject
    CasbinRuleRepository rules;
    @Inject
    SessionRepository sessions;
    @Inject
    InviteRepository invites;
    @Inject
    AuditRepository audit;
    @Inject
    LoginFailureRepository failures;
    @Inject
    SettingsRepository settings;
    @Inject
    CollectionClaimRepository claims;
    @Inject
    SeedMarkerRepository markers;

    @Test
    void eachRepositoryOwnsAReservedCollectionWithItsIndexes() {
        Map<ReactivePanacheMongoRepositoryBase<?, ?>, Set<String>> expected = Map.of(
                configs, Set.of("slug_unique", "status_slug"),
                users, Set.of("email_unique"),
                rules, Set.of("ptype_v0"),
                sessions, Set.of("user_id", "ttl"),
                invites, Set.of("ttl"),
                audit, Set.of("ttl", "slug_at", "actor_at"),
                failures, Set.of("until_ttl"),
                // keyed by _id alone: no index but _id's
                settings, Set.of(), claims, Set.of(), markers, Set.of());
        expected.forEach((repo, indexes) -> {
            String name = repo.mongoCollection().getNamespace().getCollectionName();
            assertTrue(EngineCollections.NAMES.contains(name), name + " is not listed in store.EngineCollections");
            // startup creates them without blocking the start: wait for them
            Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> repo.mongoCollection().listIndexes().collect().asList()
                    .await().atMost(Duration.ofSeconds(10)).stream().map(d -> d.getString("name")).collect(Collectors.toSet())
                    .containsAll(indexes));
        });
    }

    @Test
    void aRecordProjectionFetchesExactlyItsComponentsUnderTheirStoredNames() {
        assertEquals(Projections.include("_id", "slug", "name", "description", "status", "auth_required").toBsonDocument(),
                Fields.of(ExperimentSummary.class).toBsonDocument());
        assertEquals(Projections.fields(Projections.include("email"), Projections.excludeId()).toBsonDocument(),
                Fields.of(InviteRepository.InvitedEmail.class).toBsonDocument());
    }

    @Test
    void theProjectedListReadsTypedRecords() {
        List<ExperimentSummary> page = configs.activePage(null, 3).await().atMost(Duration.ofSeconds(10));
        assertTrue(!page.isEmpty(), "the bundled experiments are active");
        for (ExperimentSummary s : page) {
            Document full = configs.findBySlug(s.slug()).await().atMost(Duration.ofSeconds(10));
            assertEquals(full.getString("name"), s.name());
            assertEquals(full.getObjectId("_id"), s.id());
        }
    }
}
