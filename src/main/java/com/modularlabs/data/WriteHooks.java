package com.modularlabs.data;

import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import java.util.List;
import org.bson.Document;

/**
 * Write triggers (implemented by the functions package, so data does not depend on it). {@link #before} may
 * refuse a write (a failed Uni with a common.Failure) or return changed documents, which the data API then
 * stamps and validates like any client document; {@link #after} records the write for asynchronous delivery.
 */
public interface WriteHooks {
    /** @param previous the stored document for updates and replaces, else null */
    Uni<List<Document>> before(Experiment e, CollectionSpec c, String operation, List<Document> docs, Document previous,
            SecurityIdentity who);

    /** @param docs the stored documents (for a delete: just the _id) */
    Uni<Void> after(Experiment e, CollectionSpec c, String operation, List<Document> docs, SecurityIdentity who);

    /** @param previous the document as stored before an update or replace of one document */
    default Uni<Void> after(Experiment e, CollectionSpec c, String operation, List<Document> docs, Document previous,
            SecurityIdentity who) {
        return after(e, c, operation, docs, who);
    }

    /** What the data API uses when no implementation is deployed. */
    WriteHooks NONE = new WriteHooks() {
        @Override
        public Uni<List<Document>> before(Experiment e, CollectionSpec c, String operation, List<Document> docs, Document previous,
                SecurityIdentity who) {
            return Uni.createFrom().item(docs);
        }

        @Override
        public Uni<Void> after(Experiment e, CollectionSpec c, String operation, List<Document> docs, SecurityIdentity who) {
            return Uni.createFrom().voidItem();
        }
    };
}
