package com.modularlabs.functions;

import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.common.Failure;
import com.modularlabs.access.AccessLevel;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** POST /experiments/{slug}/api/_functions/{name}: calls the function with the JSON body, returns its JSON. */
@Path("/experiments/{slug}/api/_functions")
public class FunctionResource {
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SecurityIdentity identity;
    @Inject
    FunctionCatalog catalog;
    @Inject
    FunctionService functions;

    @POST
    @Path("/{name}")
    public Uni<Response> call(@PathParam("slug") String slug, @PathParam("name") String name, byte[] body) {
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        access.require(e, identity);
        FunctionSpec f = catalog.function(e, name);
        if (f == null) {
            throw Failure.notFound("Experiment '" + slug + "' has no function '" + name + "'");
        }
        AccessLevel.check(f.access(), identity, "Calling function " + name);
        byte[] payload = body == null || body.length == 0 ? "{}".getBytes(java.nio.charset.StandardCharsets.UTF_8) : body;
        return functions.invoke(f, payload, Caller.of(identity), Map.of())
                .map(r -> (r.contentType() == null ? Response.status(r.status()) : Response.status(r.status()).type(r.contentType()).entity(r.body()))
                        .build());
    }
}
