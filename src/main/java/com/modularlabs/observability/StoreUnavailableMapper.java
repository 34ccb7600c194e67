package com.modularlabs.observability;

import com.modularlabs.common.Failure;
import com.modularlabs.common.ProblemMappers;
import com.modularlabs.store.StoreConfig;
import com.modularlabs.store.StoreOutage;
import com.mongodb.MongoException;
import jakarta.inject.Inject;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.concurrent.CompletionException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Database outages (unreachable, frozen, failing over) become 503 problem+json with Retry-After; the outage is
 * logged once when it starts and once when it ends ({@link StoreOutage}), not per request. Every other driver error
 * gets common.ProblemMappers' wording (409 for duplicates, 400 for refused queries, else a 500 with a reference id).
 */
public class StoreUnavailableMapper {
    private static final Logger LOG = Logger.getLogger(StoreUnavailableMapper.class);

    @Inject
    StoreOutage outage;
    @Inject
    StoreConfig config;

    @ServerExceptionMapper
    public Response mongo(MongoException e, UriInfo uri) {
        return map(e, uri);
    }

    @ServerExceptionMapper
    public Response wrapped(CompletionException e, UriInfo uri) {
        if (e.getCause() instanceof Failure p) {
            return ProblemMappers.toResponse(p, uri.getPath());
        }
        return map(e, uri);
    }

    private Response map(Throwable e, UriInfo uri) {
        if (outage.failed(e)) {
            return ProblemMappers.toResponse(unavailable(config.outageRetryAfterSeconds()), uri.getPath());
        }
        if (e instanceof MongoException m) {
            return ProblemMappers.database(m, uri); // duplicate keys, refused queries, time limits: our own wording
        }
        if (e.getCause() instanceof MongoException m) {
            return ProblemMappers.database(m, uri);
        }
        return ProblemMappers.serverBug(e, uri); // one line with a reference id, never the exception's text
    }

    static Failure unavailable(int retryAfter) {
        return Failure.unavailable("The database is unavailable; retry in a few seconds.").retryAfter(retryAfter);
    }
}
