package com.modularlabs.data;

import com.modularlabs.common.FieldError;
import com.modularlabs.common.ProblemException;
import com.mongodb.MongoException;
import java.util.List;
import org.jboss.logging.Logger;

/** Database errors caused by client input become problems, never 500s with driver text. */
final class DataErrors {
    private static final Logger LOG = Logger.getLogger(DataErrors.class);

    private DataErrors() {
    }

    static Throwable translate(Throwable t) {
        MongoException m = (MongoException) t;
        int code = m.getCode();
        if (m instanceof com.mongodb.MongoWriteException w) {
            code = w.getError().getCode();
        } else if (m instanceof com.mongodb.MongoBulkWriteException b && !b.getWriteErrors().isEmpty()) {
            code = b.getWriteErrors().get(0).getCode();
        }
        switch (code) {
            case 11000:
                return new ProblemException(409, "Conflict", "A document with the same unique key (its _id or a unique index of the collection) already exists");
            case 50:
                return new ProblemException(503, "Service Unavailable", "The query took longer than its time limit",
                        null, java.util.Map.of("Retry-After", "1"));
            case 40324, 31082: // a stage or operator this database does not implement (the embedded store lacks some)
                return ProblemException.invalid("The database does not support an operator of this query",
                        List.of(new FieldError("$", "unsupported by this database")));
            case 2, 9, 14, 51091, 51108, 51177, 28667, 40352, 15998, 16020, 31325:
                // the server's own text names namespaces and internals: logged, never sent
                LOG.debugf("Data API query refused by the database (%d): %s", code, m.getMessage());
                return ProblemException.invalid("The database refused the query", List.of(new FieldError("$", "refused by the database (code " + code + ")")));
            default:
                LOG.warnf("Data API database error %d: %s", code, m.getMessage());
                return t;
        }
    }
}
