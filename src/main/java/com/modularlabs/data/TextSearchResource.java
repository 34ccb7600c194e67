package com.modularlabs.data;

import com.modularlabs.access.AccessLevel;
import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.common.Failure;
import com.modularlabs.common.Workers;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.function.Consumer;
import org.bson.Document;

/**
 * GET /experiments/{slug}/api/_search/{coll}?q=words&amp;limit=n: text search over the collection's text index
 * fields ({@link TextSearch}), with the data API's access rules (unknown or inactive experiment 404, experiment
 * access, the collection's read level; owner-level collections search the caller's documents only). Answer:
 * {@code {"items": [...], "mode": "text" | "scan"}}.
 */
@Path("/experiments/{slug}/api/_search/{coll}")
public class TextSearchResource {
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SecurityIdentity identity;
    @Inject
    TextSearch search;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> search(@PathParam("slug") String slug, @PathParam("coll") String coll, @QueryParam("q") String q,
            @QueryParam("limit") String limit) {
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        access.require(e, identity);
        CollectionSpec c = e.collections().get(coll);
        if (c == null) {
            throw Failure.notFound("Experiment '" + slug + "' has no collection '" + coll + "'");
        }
        AccessLevel.Owner ownerOnly = AccessLevel.check(c.read(), identity, "Reading " + coll);
        AccessLevel.requireService(c.read(), identity, slug, "Reading " + coll);
        Consumer<Document> redact = AccessLevel.authorFilter(identity);
        // up to maxLimit documents of up to 64 KiB each: encoded on a worker, not on the event loop
        return search.search(slug, e, c, q, limit, ownerOnly).chain(r -> Workers.run(() -> {
            StringBuilder json = new StringBuilder("{\"items\":[");
            for (int i = 0; i < r.items().size(); i++) {
                Document d = r.items().get(i);
                redact.accept(d); // authors are shown to themselves and admins only, as with GET
                json.append(i == 0 ? "" : ",").append(DocJson.toJson(d));
            }
            json.append("],\"mode\":\"").append(r.mode()).append("\"}");
            return Response.ok(json.toString(), MediaType.APPLICATION_JSON).build();
        }));
    }
}
