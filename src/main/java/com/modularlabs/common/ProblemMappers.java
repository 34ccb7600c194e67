package com.modularlabs.common;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import jakarta.ws.rs.Priorities;
import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.bson.BsonSerializationException;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

/**
 * The one HTTP error mapping at the edge: every error leaves as application/problem+json. Domain code throws a
 * {@link Failure} that says what went wrong; {@link #status}, {@link #title} and {@link #headers} are the only place
 * that turns its kind into HTTP (route handlers reach them through {@link Problem#send}). Bad input is a 4xx that
 * names what is wrong, logged at most as one line; a database's own text (namespaces, index names, server
 * messages) never reaches a client; a genuine bug is a 500 with a short reference id, logged as one line with that
 * id (the stack trace only at DEBUG), and its exception text stays in the log.
 */
public class ProblemMappers {
    private static final Logger LOG = Logger.getLogger(ProblemMappers.class);
    /** Server error codes caused by the request's content (bad operators, paths, names, types, sizes). */
    private static final Set<Integer> CLIENT_CODES = Set.of(2, 4, 9, 14, 16, 17, 28, 40, 52, 55, 56, 57, 66, 10334, 15998,
            16020, 16755, 17419, 17420, 28667, 31325, 40352, 51091, 51108, 51177);
    private static final Pattern DUP_FIELD = Pattern.compile("dup key: \\{\\s*\"?([A-Za-z0-9_.]{1,100})\"?\\s*:");

    /** The HTTP status of a failure: the one place that knows which status each kind of failure gets. */
    public static int status(Failure f) {
        return switch (f.kind()) {
            case MALFORMED, INVALID -> 400;
            case UNAUTHENTICATED -> 401;
            case FORBIDDEN -> 403;
            case NOT_FOUND -> 404;
            case CONFLICT -> 409;
            case GONE -> 410;
            case PRECONDITION_FAILED -> 412;
            case TOO_LARGE -> 413;
            case PRECONDITION_REQUIRED -> 428;
            case RATE_LIMITED -> 429;
            case UPSTREAM_FAILED -> 502;
            case UNAVAILABLE -> 503;
            case TIMED_OUT -> 504;
            case UPSTREAM_REFUSED -> f.upstreamStatus(); // the function's own 4xx, passed on (functions.TriggerService)
        };
    }

    /** The problem's title: the status' reason phrase, except "Validation failed" for input with field errors. */
    public static String title(Failure f) {
        return switch (f.kind()) {
            case MALFORMED -> "Bad Request";
            case INVALID -> "Validation failed";
            case UNAUTHENTICATED -> "Unauthorized";
            case FORBIDDEN -> "Forbidden";
            case NOT_FOUND -> "Not Found";
            case CONFLICT -> "Conflict";
            case GONE -> "Gone";
            case PRECONDITION_FAILED -> "Precondition Failed";
            case TOO_LARGE -> "Payload Too Large";
            case PRECONDITION_REQUIRED -> "Precondition Required";
            case RATE_LIMITED -> "Too Many Requests";
            case UPSTREAM_FAILED -> "Bad Gateway";
            case UNAVAILABLE -> "Service Unavailable";
            case TIMED_OUT -> "Gateway Timeout";
            case UPSTREAM_REFUSED -> f.upstreamTitle() == null ? "Refused" : f.upstreamTitle();
        };
    }

    /** Retry-After from the failure's retry hint, ETag from the version a resource has now. */
    public static Map<String, String> headers(Failure f) {
        Map<String, String> h = new LinkedHashMap<>(2);
        if (f.retryAfterSeconds() != null) {
            h.put("Retry-After", String.valueOf(f.retryAfterSeconds()));
        }
        if (f.currentVersion() != null) {
            h.put("ETag", "\"" + f.currentVersion() + "\"");
        }
        return h;
    }

    public static Response toResponse(Failure f, String instance) {
        return toResponse(status(f), title(f), f.getMessage(), f.errors(), headers(f), instance);
    }

    private static Response toResponse(int status, String title, String detail, List<FieldError> errors, Map<String, String> headers,
            String instance) {
        Problem body = new Problem("about:blank", title, status, detail, instance, errors == null ? List.of() : errors);
        Response.ResponseBuilder rb = Response.status(status).type(Problem.MEDIA_TYPE).entity(body);
        headers.forEach(rb::header);
        return rb.build();
    }

    /**
     * Content negotiation for every problem response (mapped or returned by a resource): a browser (Accept names
     * text/html above any JSON type) gets a small HTML page with the same status, title and detail; API clients
     * keep application/problem+json.
     */
    @ServerResponseFilter
    public void htmlForBrowsers(ContainerRequestContext req, ContainerResponseContext res) {
        if (res.getEntity() instanceof Problem p && ProblemPage.wantsHtml(req.getHeaderString("Accept"))) {
            res.setEntity(ProblemPage.render(p), null, MediaType.valueOf("text/html; charset=utf-8"));
            res.getHeaders().putSingle("Content-Type", "text/html; charset=utf-8");
        }
    }

    @ServerExceptionMapper
    public Response problem(Failure e, UriInfo uri) {
        return toResponse(e, uri.getPath());
    }

    @ServerExceptionMapper
    public Response badJson(JsonProcessingException e, UriInfo uri) {
        return toResponse(json(e), uri.getPath());
    }

    /** Declared separately: Quarkus REST has its own (empty 400) mapper for this type, and the closest type wins. */
    @ServerExceptionMapper
    public Response wrongType(MismatchedInputException e, UriInfo uri) {
        return toResponse(json(e), uri.getPath());
    }

    /** What is wrong with a POJO body, by JSON path, without Java type names. */
    static Failure json(JsonProcessingException e) {
        if (e instanceof StreamConstraintsException) {
            String where = e.getProcessor() instanceof JsonParser p ? SafeJson.path(p.getParsingContext()) : "$";
            return SafeJson.bad("The request body exceeds a JSON limit", where, limitText(e, SafeJson.limits()));
        }
        if (e instanceof MismatchedInputException m) {
            String path = path(m);
            Class<?> target = m.getTargetType();
            String expected = target == null ? "a different type" : expected(target);
            return Failure.invalid("The request body has a value of the wrong type",
                    List.of(new FieldError(path, "expected " + expected)));
        }
        if (e instanceof JsonMappingException m) {
            return Failure.invalid("The request body could not be read", List.of(new FieldError(path(m), "invalid value")));
        }
        String where = e.getLocation() == null ? "" : " at line " + e.getLocation().getLineNr() + ", column " + e.getLocation().getColumnNr();
        String in = e.getProcessor() instanceof JsonParser p ? SafeJson.path(p.getParsingContext()) : "$";
        return Failure.invalid("The request body is not valid JSON" + where + ".",
                List.of(new FieldError("$", e.getOriginalMessage() + (in.equals("$") ? "" : " (in " + in + ")"))));
    }

    private static String limitText(JsonProcessingException e, SafeJson.Limits l) {
        String m = String.valueOf(e.getOriginalMessage()).toLowerCase();
        return m.contains("nesting") ? "more than " + l.depth() + " levels of objects and arrays"
                : m.contains("number") ? "a number longer than " + l.numberLength() + " characters"
                : m.contains("name") ? "a field name longer than " + l.keyLength() + " characters"
                : "a value larger than " + l.bodyBytes() + " bytes";
    }

    private static String path(JsonMappingException m) {
        StringBuilder sb = new StringBuilder("$");
        for (JsonMappingException.Reference r : m.getPath()) {
            sb.append(r.getFieldName() != null ? SafeJson.segment(r.getFieldName()) : "[" + Math.max(0, r.getIndex()) + "]");
        }
        return sb.toString();
    }

    private static String expected(Class<?> t) {
        if (t == String.class || t == Character.class || t == char.class) {
            return "a string";
        }
        if (t == Boolean.class || t == boolean.class) {
            return "true or false";
        }
        if (Number.class.isAssignableFrom(t) || t.isPrimitive()) {
            return "a number";
        }
        if (t.isArray() || Collection.class.isAssignableFrom(t)) {
            return "an array";
        }
        return "a JSON object";
    }

    @ServerExceptionMapper
    public Response web(WebApplicationException e, UriInfo uri) {
        if (e.getCause() instanceof JsonProcessingException j) {
            return toResponse(json(j), uri.getPath());
        }
        int status = e.getResponse().getStatus();
        if (e.getResponse().hasEntity() || status < 400) {
            return e.getResponse();
        }
        Response.StatusType st = e.getResponse().getStatusInfo();
        String detail = status == 404 ? "No such resource: " + uri.getPath()
                : status == 405 ? "Method not allowed on " + uri.getPath()
                : status == 406 ? "None of the accepted media types can be produced"
                : status == 413 ? "The request body is larger than " + SafeJson.limits().bodyBytes() + " bytes"
                : status == 415 ? "Unsupported content type"
                : st.getReasonPhrase();
        Response r = toResponse(status, st.getReasonPhrase(), detail, null, Map.of(), uri.getPath());
        e.getResponse().getHeaders().forEach((k, v) -> {
            if (!k.equalsIgnoreCase("Content-Type")) {
                v.forEach(val -> r.getHeaders().add(k, val));
            }
        });
        return r;
    }

    /**
     * Database errors that are not outages: our own wording derived from the error code, never the server's text;
     * anything unknown is a server bug. The one mapper of MongoException is observability.StoreUnavailableMapper,
     * which answers outages (503) itself and hands everything else to this method.
     */
    public static Response database(MongoException e, UriInfo uri) {
        int code = code(e);
        if (code == 11000 || code == 11001) {
            Matcher m = DUP_FIELD.matcher(String.valueOf(e.getMessage()));
            String field = m.find() ? m.group(1) : null;
            return toResponse(Failure.conflict(field == null ? "A document with the same unique value already exists"
                    : "Duplicate value for unique field '" + field + "'", field == null ? null
                    : List.of(new FieldError("$" + SafeJson.segment(field), "already used by another document"))), uri.getPath());
        }
        if (code == 50) {
            return toResponse(Failure.unavailable("The query took longer than its time limit").retryAfter(1), uri.getPath());
        }
        if (CLIENT_CODES.contains(code)) {
            LOG.debugf("database refused a request on %s: code %d", uri.getPath(), code);
            return toResponse(Failure.invalid("The database refused the request",
                    List.of(new FieldError("$", "refused by the database (code " + code + ")"))), uri.getPath());
        }
        return serverBug(e, uri);
    }

    private static int code(MongoException e) {
        if (e instanceof MongoWriteException w) {
            return w.getError().getCode();
        }
        if (e instanceof MongoBulkWriteException b && !b.getWriteErrors().isEmpty()) {
            return b.getWriteErrors().get(0).getCode();
        }
        return e.getCode();
    }

    /** A value BSON cannot encode (a NUL in a name that slipped past a reader, a document over 16 MiB). */
    @ServerExceptionMapper
    public Response unencodable(BsonSerializationException e, UriInfo uri) {
        LOG.debugf("unencodable document on %s", uri.getPath());
        return toResponse(Failure.invalid("The document cannot be stored",
                List.of(new FieldError("$", "not representable in BSON (NUL in a field name, or too large)"))), uri.getPath());
    }

    /** Only deep input recurses this far: a 400 and one line, never a 1,000-line trace. */
    @ServerExceptionMapper
    public Response tooDeep(StackOverflowError e, UriInfo uri) {
        LOG.warnf("stack overflow on %s (input nested too deeply for a reader that is not guarded by SafeJson)", uri.getPath());
        return toResponse(Failure.invalid("The request is nested too deeply",
                List.of(new FieldError("$", "more than " + SafeJson.limits().depth() + " levels"))), uri.getPath());
    }

    @ServerExceptionMapper(priority = Priorities.USER + 1000)
    public Response unexpected(Throwable e, UriInfo uri) {
        return serverBug(e, uri);
    }

    /** One line per bug with a reference id the client also gets; the full trace at DEBUG under the same id. */
    public static Response serverBug(Throwable e, UriInfo uri) {
        String ref = Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36 * 36 * 36, 36L * 36 * 36 * 36 * 36 * 36 * 36), 36);
        StackTraceElement top = e.getStackTrace().length == 0 ? null : e.getStackTrace()[0];
        String msg = String.valueOf(e.getMessage());
        LOG.errorf("ref %s: %s on %s: %s (at %s)", ref, e.getClass().getName(), uri.getPath(),
                msg.length() > 200 ? msg.substring(0, 200) + "…" : msg, top);
        LOG.debugf(e, "ref %s: stack trace", ref);
        return toResponse(500, "Internal Server Error", "An unexpected error occurred (reference " + ref + ").", null,
                Map.of("X-Error-Ref", ref), uri.getPath());
    }
}
