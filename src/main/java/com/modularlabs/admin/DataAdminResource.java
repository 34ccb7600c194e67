package com.modularlabs.admin;

import com.modularlabs.audit.AuditLog;
import com.modularlabs.audit.AuditLog.Note;
import com.modularlabs.common.LimitsConfig;
import com.modularlabs.common.Failure;
import com.modularlabs.data.DataService;
import com.modularlabs.data.DataService.Caller;
import com.modularlabs.data.DataService.ListParams;
import com.modularlabs.data.DocJson;
import com.modularlabs.data.Listing;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.IndexManager;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.bson.Document;

/**
 * The admin panel's data browser: an experiment's collections, documents and edits. Every call goes through
 * {@link DataService} acting as an administrator, i.e. the data API's own validation, schema checks, size limits,
 * triggers and realtime events; only the access-level decision differs. Each edit is audited with before and after.
 * (Cookie sessions carry no admin role on /experiments/**, so the panel needs these admin-only routes.)
 */
@Path("/admin/api/experiments/{slug}/data")
@RolesAllowed("admin")
@Produces(MediaType.APPLICATION_JSON)
public class DataAdminResource {
    @Inject
    DataService data;
    @Inject
    ExperimentRegistry registry;
    @Inject
    IndexManager indexes;
    @Inject
    SecurityIdentity identity;
    @Inject
    AuditLog audit;
    @Inject
    LimitsConfig limits;

    private Caller admin() {
        return Caller.administrator(identity);
    }

    /** The collections of the manifest with their document counts, schema flag and managed indexes. */
    @GET
    public Uni<Response> collections(@PathParam("slug") String slug) {
        AdminService.requireSlug(slug);
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        List<IndexManager.IndexStatus> idx = indexes.status(slug);
        List<Uni<Document>> rows = new ArrayList<>();
        for (CollectionSpec c : e.collections().values()) {
            List<Document> ci = idx.stream().filter(s -> s.collection().equals(c.name()))
                    .map(s -> new Document("name", s.name()).append("type", s.type()).append("status", s.status().name())).collect(Collectors.toList());
            rows.add(data.count(slug, c.name(), null, admin()).map(n -> new Document("name", c.name()).append("count", n)
                    .append("schema", c.schema() != null).append("read", c.read()).append("indexes", ci)));
        }
        Uni<List<Document>> all = rows.isEmpty() ? Uni.createFrom().item(List.of())
                : Multi.createFrom().iterable(rows).onItem().transformToUniAndConcatenate(u -> u).collect().asList();
        return all.map(list -> ok(new Document("slug", slug).append("collections", list)));
    }

    /** One page: the data API's filter, sort, limit and keyset cursor ({@code after}); count=true adds the total. */
    @GET
    @Path("/{coll}")
    public Uni<Response> list(@PathParam("slug") String slug, @PathParam("coll") String coll, @QueryParam("filter") String filter,
            @QueryParam("sort") String sort, @QueryParam("limit") @DefaultValue("20") String limit, @QueryParam("after") String after,
            @QueryParam("count") boolean count) {
        AdminService.requireSlug(slug);
        Listing l = data.list(slug, coll, new ListParams(filter, sort, null, limit, after, count), admin());
        return l.page().map(p -> {
            StringBuilder b = new StringBuilder("{\"items\":[");
            b.append(p.items().stream().map(DocJson::toJson).collect(Collectors.joining(",")));
            b.append("],\"next\":").append(p.next() == null ? "null" : "\"" + p.next() + "\"");
            p.count().ifPresent(n -> b.append(",\"count\":").append(n));
            return Response.ok(b.append('}').toString(), MediaType.APPLICATION_JSON).header("Cache-Control", "no-store").build();
        });
    }

    @GET
    @Path("/{coll}/{id}")
    public Uni<Response> get(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id) {
        AdminService.requireSlug(slug);
        return data.get(slug, coll, id, admin()).map(DataAdminResource::ok);
    }

    /** Replaces the document's fields (engine fields kept), checked against the collection's schema; audited. */
    @PUT
    @Path("/{coll}/{id}")
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> replace(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id, String body) {
        AdminService.requireSlug(slug);
        if (body != null && body.length() > limits.jsonBodyBytes()) {
            throw Failure.tooLarge("JSON bodies are limited to " + limits.jsonBodyBytes() + " bytes");
        }
        var note = audit.note();
        return data.get(slug, coll, id, admin()).chain(before -> data.replace(slug, coll, id, body, admin())
                .invoke(after -> note.accept(new Note("data.replace", slug, coll + "/" + id, before, after))))
                .map(DataAdminResource::ok);
    }

    @DELETE
    @Path("/{coll}/{id}")
    public Uni<Response> delete(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id) {
        AdminService.requireSlug(slug);
        var note = audit.note();
        return data.get(slug, coll, id, admin()).chain(before -> data.delete(slug, coll, id, admin())
                .invoke(x -> note.accept(new Note("data.delete", slug, coll + "/" + id, before, null))))
                .map(x -> Response.noContent().build());
    }

    static Response ok(Document d) {
        return Response.ok(DocJson.toJson(d), MediaType.APPLICATION_JSON).header("Cache-Control", "no-store").build();
    }
}
