package com.modularlabs.realtime;

import com.modularlabs.auth.AuthConfig;
import com.modularlabs.auth.LabsIdentityProvider;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.vertx.core.http.Cookie;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.HeaderParam;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.sse.OutboundSseEvent;
import jakarta.ws.rs.sse.Sse;

/**
 * {@code GET /experiments/{slug}/api/_realtime?subscribe=[...]}: one Server-Sent Events stream carrying several
 * subscriptions (docs/realtime.md). Resume with the standard Last-Event-ID header (EventSource sends it on its own)
 * or the {@code lastEventId} parameter.
 */
@Path("/experiments/{slug}/api/_realtime")
public class RealtimeResource {
    @Inject
    Realtime realtime;
    @Inject
    SecurityIdentity identity;
    @Inject
    AuthConfig authConfig;

    @GET
    @Produces(MediaType.SERVER_SENT_EVENTS)
    public Multi<OutboundSseEvent> stream(@PathParam("slug") String slug, @QueryParam("subscribe") String subscribe,
            @HeaderParam("Last-Event-ID") String lastEventId, @QueryParam("lastEventId") String lastEventIdParam,
            @Context Sse sse, @Context HttpServerRequest request, @Context HttpServerResponse response) {
        String token = null;
        String source = identity.getAttribute(LabsIdentityProvider.SOURCE);
        if (!identity.isAnonymous()) {
            String h = request.getHeader("Authorization");
            if (h != null && h.regionMatches(true, 0, "Bearer ", 0, 7)) {
                token = h.substring(7).trim();
            } else {
                Cookie c = request.getCookie(authConfig.cookieName());
                token = c == null ? null : c.getValue();
            }
        }
        String address = request.remoteAddress() == null ? null : request.remoteAddress().hostAddress();
        Multi<OutboundSseEvent> events = realtime.open(slug, subscribe, lastEventId != null ? lastEventId : lastEventIdParam, identity, token,
                source == null ? "cookie" : source, address, sse);
        // proxies (nginx) must not buffer the stream
        response.putHeader("X-Accel-Buffering", "no").putHeader("Cache-Control", "no-cache");
        return events;
    }
}
