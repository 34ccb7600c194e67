package com.modularlabs.common;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.mongodb.MongoCommandException;
import com.mongodb.MongoWriteException;
import com.mongodb.ServerAddress;
import com.mongodb.WriteError;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.lang.reflect.Proxy;
import java.util.List;
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
}
