package com.modularlabs.hosting;

import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentCard;
import com.modularlabs.registry.ExperimentConfigRepository;
import com.modularlabs.registry.ExperimentConfigService;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.registry.PublicExperiment;
import com.modularlabs.registry.RegistrySnapshot;
import com.modularlabs.common.Failure;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.DefaultValue;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** Public experiment API: GET /api/experiments and GET /api/experiments/{slug}. */
@Path("/api/experiments")
@Produces(MediaType.APPLICATION_JSON)
public class ExperimentsResource {
    static final int MAX_LIMIT = 500;

    public record Page(List<ExperimentCard> items, String next) {
    }

    @Inject
    ExperimentConfigRepository configs;
    @Inject
    ExperimentConfigService service;
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SecurityIdentity identity;

    @GET
    public Uni<Page> list(@QueryParam("limit") @DefaultValue("50") int limit, @QueryParam("after") String after) {
        if (limit < 1 || limit > MAX_LIMIT) {
            throw Failure.malformed("limit must be between 1 and " + MAX_LIMIT);
        }
        if (after != null && !ManifestValidator.isValidSlug(after)) {
            throw Failure.malformed("after must be a slug returned as 'next' by the previous page");
        }
        RegistrySnapshot snap = registry.snapshot();
        return configs.activePage(after, limit).map(rows -> {
            String next = rows.size() == limit ? rows.get(rows.size() - 1).slug() : null;
            List<ExperimentCard> visible = rows.stream()
                    .filter(r -> snap.active(r.slug()).map(e -> access.canUse(e, identity)).orElse(false))
                    .map(ExperimentCard::of).toList();
            return new Page(visible, next);
        });
    }

    @GET
    @Path("{slug}")
    public Uni<PublicExperiment> get(@PathParam("slug") String slug) {
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        access.require(e, identity);
        return service.publicConfig(slug);
    }
}
