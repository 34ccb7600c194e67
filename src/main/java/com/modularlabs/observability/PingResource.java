package com.modularlabs.observability;

import io.smallrye.common.annotation.NonBlocking;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;
import java.util.Map;

/** Constant JSON: a cheap probe for load balancers, and the throughput ceiling the benchmarks compare against. */
@Path("/api/ping")
public class PingResource {
    private static final Map<String, Boolean> OK = Map.of("ok", true);

    @GET
    @NonBlocking // no I/O: stay on the event loop, skip the worker hop
    @Produces(MediaType.APPLICATION_JSON)
    public Map<String, Boolean> ping() {
        return OK;
    }
}
