package com.modularlabs.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.WriteError;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.lang.reflect.Proxy;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import org.bson.BsonDocument;
import org.bson.BsonInt32;
import org.bson.BsonString;
import org.junit.jupiter.api.Test;

/** The edge mapping of database and unexpected errors: our wording, never the server's or the exception's text. */
class ProblemMappersTest {
    static final UriInfo URI = (UriInfo) Proxy.newProxyInstance(UriInfo.class.getClassLoader(), new Class<?>[] {UriInfo.class},
            (p, m, a) -> m.getName().equals("getPath") ? "/x" : null);
    final ProblemMappers mappers = new ProblemMappers();

    static String text(Response r) {
        Problem p = (Problem) r.getEntity();
        return p.title() + " " + p.detail() + " " + p.errors();
    }

    @Test
    void duplicateKeyIsA409NamingTheFieldButNotTheNamespace() {
        MongoWriteException e = new MongoWriteException(new WriteError(11000,
                "E11000 duplicate key error collection: labs_db.secret_users index: email_1 dup key: { email: \"a@b.c\" }",
                new BsonDocument()), new ServerAddress(), List.of());
        Response r = mappers.database(e, URI);
        assertEquals(409, r.getStatus());
        String t = text(r);
        assertTrue(t.contains("'email'"), t);
        assertFalse(t.contains("labs_db") || t.contains("secret_users") || t.contains("E11000") || t.contains("a@b.c"), t);
    }

    @Test
    void refusedQueriesAreA400WithoutServerText() {
        MongoCommandException e = new MongoCommandException(new BsonDocument("ok", new BsonInt32(0)).append("code", new BsonInt32(2))
                .append("errmsg", new BsonString("unknown operator $foo in labs_db.secret_things")), new ServerAddress());
        Response r = mappers.database(e, URI);
        assertEquals(400, r.getStatus());
        assertFalse(text(r).contains("secret_things"), text(r));
        assertEquals(Problem.MEDIA_TYPE, r.getMediaType().toString());
    }

    @Test
    void unknownErrorsAreA500WithAReferenceAndNoExceptionText() {
        Response r = mappers.unexpected(new IllegalStateException("internal detail 42"), URI);
        assertEquals(500, r.getStatus());
        String ref = r.getHeaderString("X-Error-Ref");
        assertTrue(ref != null && ref.matches("[0-9a-z]{7}"), ref);
        assertTrue(text(r).contains(ref));
        assertFalse(text(r).contains("internal detail") || text(r).contains("IllegalState"), text(r));
        MongoCommandException server = new MongoCommandException(new BsonDocument("ok", new BsonInt32(0)).append("code", new BsonInt32(8000))
                .append("errmsg", new BsonString("secret_cluster internals")), new ServerAddress());
        Response s = mappers.database(server, URI);
        assertEquals(500, s.getStatus());
        assertFalse(text(s).contains("secret_cluster"), text(s));
    }

    /** The one Kind -> status and title table; the titles are the ones clients saw before Failure existed. */
    @Test
    void everyKindHasItsStatusAndTitle() {
        Map<Failure.Kind, String> expected = new EnumMap<>(Failure.Kind.class);
        expected.put(Failure.Kind.MALFORMED, "400 Bad Request");
        expected.put(Failure.Kind.INVALID, "400 Validation failed");
        expected.put(Failure.Kind.UNAUTHENTICATED, "401 Unauthorized");
        expected.put(Failure.Kind.FORBIDDEN, "403 Forbidden");
        expected.put(Failure.Kind.NOT_FOUND, "404 Not Found");
        expected.put(Failure.Kind.CONFLICT, "409 Conflict");
        expected.put(Failure.Kind.GONE, "410 Gone");
        expected.put(Failure.Kind.PRECONDITION_FAILED, "412 Precondition Failed");
        expected.put(Failure.Kind.TOO_LARGE, "413 Payload Too Large");
        expected.put(Failure.Kind.PRECONDITION_REQUIRED, "428 Precondition Required");
        expected.put(Failure.Kind.RATE_LIMITED, "429 Too Many Requests");
        expected.put(Failure.Kind.UPSTREAM_FAILED, "502 Bad Gateway");
        expected.put(Failure.Kind.UNAVAILABLE, "503 Service Unavailable");
        expected.put(Failure.Kind.TIMED_OUT, "504 Gateway Timeout");
        expected.put(Failure.Kind.UPSTREAM_REFUSED, "422 Unprocessable"); // the upstream's own status and title
        for (Failure.Kind k : Failure.Kind.values()) {
            Failure f = k == Failure.Kind.UPSTREAM_REFUSED ? Failure.upstreamRefused(422, "Unprocessable", "no", null)
                    : Failure.of(k, "detail of " + k, null);
            assertEquals(expected.get(k), ProblemMappers.status(f) + " " + ProblemMappers.title(f), k.name());
            Response r = ProblemMappers.toResponse(f, "/x");
            Problem p = (Problem) r.getEntity();
            assertEquals(ProblemMappers.status(f), r.getStatus());
            assertEquals(r.getStatus(), p.status());
            assertEquals(f.getMessage(), p.detail());
            assertEquals("/x", p.instance());
            assertEquals(Problem.MEDIA_TYPE, r.getMediaType().toString());
            assertEquals(List.of(), r.getHeaders().keySet().stream().filter(h -> !h.equalsIgnoreCase("Content-Type")).toList(), k.name());
        }
    }

    @Test
    void retryHintsAndVersionsBecomeHeadersAndFieldErrorsTheBody() {
        Response r = ProblemMappers.toResponse(Failure.rateLimited("slow down").retryAfter(7), "/x");
        assertEquals(429, r.getStatus());
        assertEquals("7", r.getHeaderString("Retry-After"));
        Response v = ProblemMappers.toResponse(Failure.preconditionFailed("changed").currentVersion("3"), "/x");
        assertEquals(412, v.getStatus());
        assertEquals("\"3\"", v.getHeaderString("ETag"));
        assertEquals(null, v.getHeaderString("Retry-After"));
        Response e = ProblemMappers.toResponse(Failure.invalid("bad", List.of(new FieldError("$.a", "must be a number"))), "/x");
        assertEquals(List.of(new FieldError("$.a", "must be a number")), ((Problem) e.getEntity()).errors());
        assertThrows(IllegalArgumentException.class, () -> Failure.upstreamRefused(500, "Oops", "no", null),
                "an upstream refusal is the upstream's 4xx; its failures are UPSTREAM_FAILED");
        assertThrows(IllegalArgumentException.class, () -> Failure.of(Failure.Kind.UPSTREAM_REFUSED, "no", null));
    }
}
