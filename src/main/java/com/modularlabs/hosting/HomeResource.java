package com.modularlabs.hosting;

import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.auth.Subjects;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import io.quarkus.qute.Template;
import io.quarkus.qute.TemplateInstance;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.common.annotation.NonBlocking;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.List;

/** GET / : the active experiments this caller may use, from the in-memory registry snapshot (no database call). */
@Path("/")
public class HomeResource {
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SecurityIdentity identity;
    @Inject
    Template home;

    @GET
    @NonBlocking // no I/O: stay on the event loop, skip the worker hop
    @Produces(MediaType.TEXT_HTML)
    public TemplateInstance home() {
        List<Experiment> visible = registry.snapshot().activeList().stream()
                // anonymous visitors also see login-only experiments (with a badge); narrowed ones only when allowed
                .filter(e -> access.canUse(e, identity)
                        || (identity.isAnonymous() && e.allowedRoles().isEmpty() && e.allowedUsers().isEmpty()))
                .toList();
        return home.data("experiments", visible)
                .data("user", identity.isAnonymous() ? null : identity.getPrincipal().getName())
                .data("admin", identity.hasRole(Subjects.ADMIN_ROLE));
    }
}
