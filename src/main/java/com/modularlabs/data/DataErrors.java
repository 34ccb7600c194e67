package com.modularlabs.data;

import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.store.StoreOutage;
import com.mongodb.MongoBulkWriteException;
import com.mongodb.MongoException;
import com.mongodb.MongoWriteException;
import java.util.List;

/** Database errors caused by client input become problems, never 500s with driver text. */
final class DataErrors {
    private DataErrors() {
    }

    static Throwable translate(Throwable t) {
        MongoException m = (MongoException) t;
        if (StoreOutage.isOutage(m)) {
            return t; // a 503 from observability.StoreUnavailableMapper, logged once per outage
        }
        int code = m.getCode();
        if (m instanceof MongoWriteException w) {
            code = w.getError().getCode();
        } else if (m instanceof MongoBulkWriteException b && !b.getWriteErrors().isEmpty()) {
            code = b.getWriteErrors().get(0).getCode();
        }
        switch (code) {
            case 11000:
                return Failure.conflict("A document with the same unique key (its _id or a unique index of the collection) already exists");
            case 50:
                return Failure.unavailable("The query took longer than its time limit").retryAfter(1);
            case 40324, 31082: // a stage or operator this database does not implement (the embedded store lacks some)
                return Failure.invalid("The database does not support an operator of this query",
                        List.of(new FieldError("$", "unsupported by this database")));
            case 2, 9, 14, 51091, 51108, 51177, 28667, 40352, 15998, 16020, 31325:
                return Failure.invalid("The database refused the query", List.of(new FieldError("$", "refused by the database (code " + code + ")")));
            default:
                return t; // common.ProblemMappers: never the server's text to the client, one log line
        }
    }
}
