package com.modularlabs.data;

import com.modularlabs.access.AccessLevel;
import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.common.Failure;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;

/**
 * The one answer to "may this caller, through experiment {@code reader}, read collection {@code coll} of experiment
 * {@code owner}": used by the {@code _shared} route and by every {@code $lookup}/{@code $graphLookup}/
 * {@code $unionWith} of a named query that names another experiment, so a pipeline can never read what the route
 * would refuse. The owner must be in the reader's data_scope and active; the caller must pass the owner's
 * auth_required / auth_policy and the collection's read level (owner level: restricted to the caller's documents).
 */
@ApplicationScoped
public class SharedReads {
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;

    /** What may be read: the owner's collection and, for owner-level reads, the author it is restricted to (null: all). */
    public record Grant(Experiment owner, CollectionSpec collection, AccessLevel.Owner ownerOnly) {
    }

    /** Fails FORBIDDEN, NOT_FOUND or UNAUTHENTICATED when the read is not allowed. */
    public Grant check(Experiment reader, String owner, String coll, SecurityIdentity who, String what) {
        if (!reader.dataScope().contains(owner)) {
            throw Failure.forbidden("Experiment '" + owner + "' is not in the data_scope of '" + reader.slug() + "'");
        }
        Experiment o = registry.snapshot().active(owner)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + owner + "'"));
        access.require(o, who);
        CollectionSpec c = o.collections().get(coll);
        if (c == null) {
            throw Failure.notFound("Experiment '" + owner + "' has no collection '" + coll + "'");
        }
        AccessLevel.Owner ownerOnly = AccessLevel.check(c.read(), who, what + " (" + owner + "." + coll + ")");
        return new Grant(o, c, ownerOnly);
    }
}
