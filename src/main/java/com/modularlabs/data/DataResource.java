package com.modularlabs.data;

import com.modularlabs.data.DataService.Caller;
import com.modularlabs.data.DataService.ListParams;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import org.bson.Document;
import org.bson.types.ObjectId;

/**
 * The sandboxed data API over HTTP (contract section 5): routes, parameters and response shapes only; what may be
 * read or written, and how, is {@link DataService}'s. Lists and named queries stream their JSON ({@link Listing}).
 */
@Path("/experiments/{slug}/api")
public class DataResource {
    static final String JSON = "application/json";

    @Inject
    DataService data;
    @Inject
    SecurityIdentity identity;

    @GET
    @Path("/{coll}")
    @Produces(MediaType.APPLICATION_JSON)
    public Multi<Buffer> list(@PathParam("slug") String slug, @PathParam("coll") String coll, @QueryParam("filter") String filter,
            @QueryParam("sort") String sort, @QueryParam("fields") String fields, @QueryParam("limit") String limit,
            @QueryParam("after") String after, @QueryParam("count") String count, @Context HttpServerResponse response) {
        return data.list(slug, coll, new ListParams(filter, sort, fields, limit, after, flag(count)), caller()).json(response);
    }

    @GET
    @Path("/_shared/{owner}/{coll}")
    @Produces(MediaType.APPLICATION_JSON)
    public Multi<Buffer> shared(@PathParam("slug") String slug, @PathParam("owner") String owner, @PathParam("coll") String coll,
            @QueryParam("filter") String filter, @QueryParam("sort") String sort, @QueryParam("fields") String fields,
            @QueryParam("limit") String limit, @QueryParam("after") String after, @QueryParam("count") String count,
            @Context HttpServerResponse response) {
        return data.shared(slug, owner, coll, new ListParams(filter, sort, fields, limit, after, flag(count)), caller()).json(response);
    }

    @GET
    @Path("/{coll}/{id}")
    public Uni<Response> get(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id) {
        return data.get(slug, coll, id, caller()).map(d -> ok(200, d));
    }

    @POST
    @Path("/{coll}")
    public Uni<Response> insert(@PathParam("slug") String slug, @PathParam("coll") String coll, String body, @Context UriInfo uri) {
        return data.insert(slug, coll, body, caller()).map(r -> {
            List<Document> docs = r.documents();
            if (!r.array()) {
                Document d = docs.get(0);
                return Response.status(201).type(JSON).location(URI.create(uri.getPath() + "/" + pathSegment(idString(d.get("_id")))))
                        .entity(new DocJson.Out().doc(d).done()).build();
            }
            DocJson.Out out = new DocJson.Out().raw("{\"items\":[");
            for (int i = 0; i < docs.size(); i++) {
                if (i > 0) {
                    out.raw(",");
                }
                out.doc(docs.get(i));
            }
            return Response.status(201).type(JSON).entity(out.raw("],\"count\":" + docs.size() + "}").done()).build();
        });
    }

    @PATCH
    @Path("/{coll}/{id}")
    public Uni<Response> patch(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id,
            @QueryParam("upsert") boolean upsert, String body) {
        return data.patch(slug, coll, id, body, upsert, caller()).map(d -> ok(200, d));
    }

    @PUT
    @Path("/{coll}/{id}")
    public Uni<Response> replace(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id, String body) {
        return data.replace(slug, coll, id, body, caller()).map(d -> ok(200, d));
    }

    @DELETE
    @Path("/{coll}/{id}")
    public Uni<Response> delete(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id) {
        return data.delete(slug, coll, id, caller()).map(x -> Response.noContent().build());
    }

    @GET
    @Path("/_queries/{name}")
    @Produces(MediaType.APPLICATION_JSON)
    public Multi<Buffer> query(@PathParam("slug") String slug, @PathParam("name") String name, @Context UriInfo uri,
            @Context HttpServerResponse response) {
        return data.query(slug, name, new HashMap<>(uri.getQueryParameters()), caller()).json(response);
    }

    private Caller caller() {
        return Caller.of(identity);
    }

    private static boolean flag(String value) {
        return "true".equalsIgnoreCase(value) || "1".equals(value);
    }

    private static Response ok(int status, Document d) {
        return Response.status(status).type(JSON).entity(new DocJson.Out().doc(d).done()).build();
    }

    /** Percent-encodes one URL path segment (UTF-8). */
    static String pathSegment(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8).replace("+", "%20");
    }

    private static String idString(Object id) {
        return id instanceof ObjectId o ? o.toHexString() : String.valueOf(id);
    }
}
