package com.modularlabs.functions;

import io.smallrye.mutiny.Uni;
import jakarta.inject.Inject;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.CacheControl;
import jakarta.ws.rs.core.Response;
import java.util.Map;

/** The public keys functions verify call assertions with (RFC 7517); current, next and still-valid previous keys. */
@Path("/.well-known/jwks.json")
public class JwksResource {
    @Inject
    SigningKeys keys;

    @GET
    @Produces("application/json")
    public Uni<Response> jwks() {
        CacheControl cc = new CacheControl();
        cc.setMaxAge(300); // well below the publish lead of a new key
        return keys.published().map(list -> Response.ok(Map.of("keys", list.stream().map(SigningKeys::jwk).toList()))
                .cacheControl(cc).build());
    }
}
