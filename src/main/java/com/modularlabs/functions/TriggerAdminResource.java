package com.modularlabs.functions;

import com.modularlabs.common.Failure;
import com.modularlabs.data.DocJson;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.stream.Collectors;

/** Admin API (under /admin: admins only) of after_write deliveries that exhausted their attempts. */
@Path("/admin/api/triggers/failures")
public class TriggerAdminResource {
    @Inject
    TriggerService triggers;

    @GET
    @Produces(MediaType.APPLICATION_JSON)
    public Uni<Response> list(@QueryParam("experiment") String slug) {
        return triggers.failures(slug).map(list -> Response.ok("{\"items\":["
                + list.stream().map(DocJson::toJson).collect(Collectors.joining(",")) + "],\"count\":" + list.size() + "}").build());
    }

    @POST
    @Path("/{id}/retry")
    public Uni<Response> retry(@PathParam("id") String id) {
        if (id.length() > 100) {
            throw Failure.malformed("Invalid delivery id");
        }
        return triggers.retry(id).map(found -> {
            if (!found) {
                throw Failure.notFound("No failed delivery '" + id + "'");
            }
            return Response.accepted().build();
        });
    }
}
