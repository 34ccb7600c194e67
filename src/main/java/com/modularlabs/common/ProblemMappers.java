package com.modularlabs.common;

import com.fasterxml.jackson.core.JsonProcessingException;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.List;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Every error leaves the service as application/problem+json; never a stack trace, never a 500 for bad input.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);

    public static Response toResponse(ProblemException e, String instance) {
        Problem body = new Problem("about:blank", e.title(), e.status(), e.getMessage(), instance, e.errors());
        Response.ResponseBuilder rb = Response.status(e.status()).type(Problem.MEDIA_TYPE).entity(body);
        e.headers().forEach(rb::header);
        return rb.build();
    }

    @ServerExceptionMapper
    public Response problem(ProblemException e, UriInfo uri) {
        return toResponse(e, uri.getPath());
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e, UriInfo uri) {
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        return toResponse(new ProblemException(400, "Malformed JSON", "The request body is not valid JSON" + where + ".",
                List.of(new FieldError("$", e.getOriginalMessage())), null), uri.getPath());
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        int status = e.getResponse().getStatus();
        if (e.getResponse().hasEntity() || status < 400) {
            return e.getResponse();
        }
        Response.StatusType st = e.getResponse().getStatusInfo();
        String detail = status == 404 ? "No such resource: " + uri.getPath()
                : status == 405 ? "Method not allowed on " + uri.getPath()
                : status == 415 ? "Unsupported content type"
                : st.getReasonPhrase();
        ProblemException p = new ProblemException(status, st.getReasonPhrase(), detail);
        Response r = toResponse(p, uri.getPath());
        e.getResponse().getHeaders().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Type")) {
                v.forEach(val -> r.getHeaders().add(k, val));
            }
        });
        return r;
    }

    @ServerExceptionMapper(priority = jakarta.ws.rs.Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        LOG.errorf(e, "Unexpected error on %s", uri.getPath());
        return toResponse(new ProblemException(500, "Internal Server Error", "An unexpected error occurred."), uri.getPath());
    }
}
