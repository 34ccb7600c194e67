package com.modularlabs.hosting;

import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.common.Failure;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import io.quarkus.qute.Template;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Date;

/**
 * Experiment front-ends: /experiments/{slug}/ (static/index.html or an info page built from the manifest) and
 * /experiments/{slug}/static/**, with ETag, Last-Modified and Cache-Control. Files are located on worker threads
 * and sent by Vert.x without blocking the event loop.
 */
@Path("/experiments/{slug}")
public class HostingResource {
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SecurityIdentity identity;
    @Inject
    StaticFiles files;
    @Inject
    Template experimentInfo;

    @GET
    @Path("/")
    public Uni<Response> home(@PathParam("slug") String slug, @HeaderParam(HttpHeaders.ACCEPT) String accept,
            @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch, @Context UriInfo uri) {
        Experiment e = experiment(slug, accept, "/experiments/" + slug + "/");
        if (!uri.getPath().endsWith("/")) { // relative links in the page need the trailing slash
            return Uni.createFrom().item(Response.status(Response.Status.MOVED_PERMANENTLY)
                    .location(URI.create("/experiments/" + slug + "/")).build());
        }
        return files.resolve(e.staticRoot(), "index.html")
                .map(f -> send(e, f, ifNoneMatch))
                .onFailure(Failure.class).recoverWithItem(err -> {
                    if (((Failure) err).kind() != Failure.Kind.NOT_FOUND) {
                        throw (Failure) err;
                    }
                    String html = experimentInfo.data("e", e).render();
                    return Response.ok(html, "text/html; charset=utf-8").header("Cache-Control", "no-cache").build();
                });
    }

    @GET
    @Path("/static/{path: .+}")
    public Uni<Response> file(@PathParam("slug") String slug, @PathParam("path") String path,
            @HeaderParam(HttpHeaders.ACCEPT) String accept, @HeaderParam(HttpHeaders.IF_NONE_MATCH) String ifNoneMatch,
            @Context UriInfo uri) {
        Experiment e = experiment(slug, accept, uri.getPath());
        return files.resolve(e.staticRoot(), path).map(f -> send(e, f, ifNoneMatch));
    }

    private Response send(Experiment e, StaticFiles.StaticFile f, String ifNoneMatch) {
        // always revalidated (a cheap 304 by ETag): an admin's deactivation or a new bundle is seen at once
        String cache = e.authRequired() ? "private, no-cache" : "public, no-cache";
        if (ifNoneMatch != null && (ifNoneMatch.equals(f.etag()) || ifNoneMatch.equals("W/" + f.etag()))) {
            return Response.notModified(f.etag()).header("ETag", f.etag()).header("Cache-Control", cache).build();
        }
        return Response.ok(f.path().toFile(), f.contentType())
                .header("ETag", f.etag()).lastModified(new Date(f.lastModifiedMillis())).header("Cache-Control", cache)
                .header("X-Content-Type-Options", "nosniff").build();
    }

    /** The active experiment, after the access check; browsers are sent to the login page instead of a 401. */
    private Experiment experiment(String slug, String accept, String next) {
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        try {
            access.require(e, identity);
        } catch (Failure denied) {
            if (denied.kind() == Failure.Kind.UNAUTHENTICATED && accept != null && accept.contains("text/html")) {
                throw new WebApplicationException(Response.seeOther(
                        URI.create("/auth/login?next=" + URLEncoder.encode(next, StandardCharsets.UTF_8))).build());
            }
            throw denied;
        }
        return e;
    }
}
