package com.modularlabs.auth;

import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpServerRequest;
import jakarta.annotation.security.RolesAllowed;
import jakarta.inject.Inject;
import jakarta.ws.rs.Consumes;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** POST /admin/api/invites {email} → a one-time link that sets a password and verifies the address. Admins only. */
@Path("/admin/api/invites")
@RolesAllowed(Subjects.ADMIN_ROLE)
@Produces(MediaType.APPLICATION_JSON)
public class InviteAdminResource {
    @Inject
    Invites invites;
    @Inject
    SecurityIdentity identity;
    @Inject
    AuthConfig config;
    @Inject
    ProxyTrust proxies;
    @Context
    HttpServerRequest request;

    public record NewInvite(String email) {
    }

    @POST
    @Consumes(MediaType.APPLICATION_JSON)
    public Uni<Response> create(NewInvite body) {
        String email = Subjects.requireEmail(body == null ? null : body.email());
        String base = config.publicBaseUrl().filter(b -> !b.isBlank()).map(b -> b.trim().replaceAll("/+$", ""))
                .orElseGet(() -> (proxies.https(request) ? "https" : "http") + "://" + request.authority());
        return invites.create(email, identity.getPrincipal().getName()).map(i -> Response.status(201).entity(Map.of(
                "email", i.email(), "path", "/auth/invite/" + i.token(), "url", base + "/auth/invite/" + i.token(),
                "expires_at", i.expiresAt().toInstant().toString())).build());
    }
}
