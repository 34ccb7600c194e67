package com.modularlabs.apidoc;

import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.common.Failure;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import io.quarkus.security.identity.SecurityIdentity;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/**
 * The per-experiment API description: {@code openapi.json} generated from the manifest ({@link ExperimentOpenApi})
 * and {@code openapi.html}, a page that renders it with the service's own script (no CDN). Same access rules as
 * the data API: an unknown or inactive experiment is 404, one the caller may not use 401/403.
 */
@Path("/experiments/{slug}/api")
public class ApiDocResource {
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SecurityIdentity identity;

    @GET
    @Path("/openapi.json")
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Object> document(@PathParam("slug") String slug) {
        return ExperimentOpenApi.build(experiment(slug));
    }

    @GET
    @Path("/openapi.html")
    @Produces(MediaType.TEXT_HTML)
    public Response page(@PathParam("slug") String slug) {
        Experiment e = experiment(slug);
        String title = escape(e.name()) + " API";
        String html = """
                <!doctype html>
                <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
                <title>%s</title><link rel="stylesheet" href="/labs.css"><link rel="stylesheet" href="/apidoc/viewer.css"></head>
                <body><main class="apidoc"><h1>%s</h1>
                <p>Generated from the manifest. Raw document: <a href="openapi.json">openapi.json</a> (OpenAPI 3.0, for client generators).</p>
                <div id="apidoc" data-src="openapi.json">Loading…</div></main>
                <script src="/apidoc/viewer.js"></script></body></html>
                """.formatted(title, title);
        return Response.ok(html, MediaType.TEXT_HTML_TYPE.withCharset("UTF-8"))
                .header("Content-Security-Policy", "default-src 'self'; script-src 'self'; style-src 'self'; frame-ancestors 'none'")
                .build();
    }

    private Experiment experiment(String slug) {
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        access.require(e, identity);
        return e;
    }

    static String escape(String s) {
        return s == null ? "" : s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
