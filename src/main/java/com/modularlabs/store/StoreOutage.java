package com.modularlabs.store;

import com.mongodb.MongoConnectionPoolClearedException;
import com.mongodb.MongoException;
import com.mongodb.MongoNodeIsRecoveringException;
import com.mongodb.MongoNotPrimaryException;
import com.mongodb.MongoServerUnavailableException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import jakarta.enterprise.context.ApplicationScoped;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.jboss.logging.Logger;

/**
 * Whether the database is currently unreachable, and the one place that decides which driver failures mean "the
 * database is away" (answered 503 with Retry-After) rather than a bug. Logs one WARN line when an outage starts and
 * one when it ends, never a stack trace per failed request.
 */
@ApplicationScoped
public class StoreOutage {
    private static final Logger LOG = Logger.getLogger(StoreOutage.class);
    /** Server error codes of a node that is shutting down, stepping down, unreachable or not the primary. */
    static final Set<Integer> UNAVAILABLE_CODES = Set.of(6, 7, 89, 91, 189, 9001, 10107, 11600, 11602, 13435, 13436);

    private final AtomicReference<Long> since = new AtomicReference<>();
    private final AtomicLong refused = new AtomicLong();

    /** The driver failure meaning the database is unreachable, slow to answer or not the primary; null otherwise. */
    public static Throwable outageCause(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof MongoTimeoutException || c instanceof MongoSocketException
                    || c instanceof MongoConnectionPoolClearedException || c instanceof MongoServerUnavailableException
                    || c instanceof MongoNotPrimaryException || c instanceof MongoNodeIsRecoveringException
                    || c instanceof MongoException m && UNAVAILABLE_CODES.contains(m.getCode())) {
                return c;
            }
        }
        return null;
    }

    public static boolean isOutage(Throwable t) {
        return outageCause(t) != null;
    }

    /** A request or probe failed with {@code t}: starts an outage (one WARN line) if it is one. */
    public boolean failed(Throwable t) {
        Throwable cause = outageCause(t);
        if (cause == null && !(t instanceof TimeoutException || t instanceof io.smallrye.mutiny.TimeoutException)) {
            return false;
        }
        if (cause != null) {
            refused.incrementAndGet();
        }
        if (since.compareAndSet(null, System.nanoTime())) {
            LOG.warnf("MongoDB unavailable (%s); answering 503 with Retry-After until it answers again", brief(t));
        }
        return true;
    }

    /** The database answered: ends an outage (one WARN line) if one was going on. */
    public void answered() {
        if (since.get() == null) {
            return;
        }
        Long start = since.getAndSet(null);
        if (start != null) {
            LOG.warnf("MongoDB available again after %d s (%d requests answered 503 meanwhile)",
                    Duration.ofNanos(System.nanoTime() - start).toSeconds(), refused.getAndSet(0));
        }
    }

    public boolean inOutage() {
        return since.get() != null;
    }

    /** A one-line description of a failure for logs: its class and the start of its message, never a trace. */
    public static String brief(Throwable t) {
        Throwable why = outageCause(t) != null ? outageCause(t) : t;
        String message = firstLine(why.getMessage());
        return message.isEmpty() ? why.getClass().getSimpleName() + " (no answer in time)" : why.getClass().getSimpleName() + ": " + message;
    }

    private static String firstLine(String s) {
        if (s == null) {
            return "";
        }
        int nl = s.indexOf('\n');
        String line = nl < 0 ? s : s.substring(0, nl);
        return line.length() > 160 ? line.substring(0, 160) + "..." : line;
    }
}
