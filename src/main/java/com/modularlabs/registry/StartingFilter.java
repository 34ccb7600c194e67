package com.modularlabs.registry;

import com.modularlabs.common.Failure;
import com.modularlabs.common.ProblemMappers;
import jakarta.inject.Inject;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerRequestFilter;

/**
 * Until the registry has loaded once (the database was absent at startup), every page and API answers 503 with
 * Retry-After: an HTML "starting" page for browsers, problem+json otherwise. Health and metrics stay reachable.
 */
public class StartingFilter {
    static final int RETRY_AFTER = 5;
    static final String PAGE = """
            <!doctype html><html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="5">
            <title>Modular Labs is starting</title></head><body><main><h1>Modular Labs is starting</h1>
            <p>The service is waiting for its database. This page reloads by itself in a few seconds.</p></main></body></html>
            """;

    @Inject
    ExperimentRegistry registry;

    @ServerRequestFilter(preMatching = true)
    public Response whileStarting(ContainerRequestContext ctx) {
        if (registry.isLoaded() || ctx.getUriInfo().getPath().startsWith("/q/")) {
            return null;
        }
        String accept = ctx.getHeaderString(HttpHeaders.ACCEPT);
        if (accept != null && accept.contains(MediaType.TEXT_HTML)) {
            return Response.status(503).type(MediaType.TEXT_HTML_TYPE.withCharset("UTF-8")).header("Retry-After", String.valueOf(RETRY_AFTER))
                    .header(HttpHeaders.CACHE_CONTROL, "no-store").entity(PAGE).build();
        }
        return ProblemMappers.toResponse(Failure.unavailable("The service is starting: waiting for the database.").retryAfter(RETRY_AFTER),
                ctx.getUriInfo().getPath());
    }

}
