package com.modularlabs.data;

import com.mongodb.MongoException;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bson.Document;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * A checked read ready to run (a list page, a shared read or a named query), made by {@link DataService}: every
 * refusal (access, parameters, filter, cursor) happened when it was made. Consumed either streamed as the data
 * API's JSON body ({@link #json}) or collected into a {@link Page} ({@link #page}); both apply the same page
 * limit, next cursor, projection clean-up and author redaction.
 */
public final class Listing {
    /** Documents are gathered into chunks of about this many bytes before each write (small pages: one write). */
    static final int CHUNK_BYTES = 64 * 1024;
    private static final Logger LOG = Logger.getLogger(Listing.class);

    /** One collected page: the documents, the cursor of the next page (null: last page), the count if asked. */
    public record Page(List<Document> items, String next, Optional<Long> count) {
    }

    private final Uni<Optional<Long>> counted;
    private final Supplier<Multi<Document>> docs;
    private final int limit;
    private final Collection<String> strip;
    private final Function<Document, String> cursor;
    private final Consumer<Document> redact;
    private final long compressionMinBytes;

    /**
     * @param limit page size, or -1 for a named query's answer (no paging: no next cursor, no count in the body)
     * @param docs the cursor; asked for at most limit+1 documents (the extra one only tells that a next page exists)
     */
    Listing(Uni<Optional<Long>> counted, Supplier<Multi<Document>> docs, int limit, Collection<String> strip,
            Function<Document, String> cursor, Consumer<Document> redact, long compressionMinBytes) {
        this.counted = counted;
        this.docs = docs;
        this.limit = limit;
        this.strip = strip;
        this.cursor = cursor;
        this.redact = redact;
        this.compressionMinBytes = compressionMinBytes;
    }

    /** The documents of this page, shaped as shown to the caller, with the next cursor and count. */
    public Uni<Page> page() {
        return counted.chain(n -> {
            Shaper s = new Shaper();
            return docs.get().collect().in(ArrayList<Document>::new, (list, d) -> {
                if (s.accept(d)) {
                    list.add(d);
                }
            }).map(list -> new Page(list, s.nextCursor(), n));
        }).onFailure(MongoException.class).transform(DataErrors::translate);
    }

    /**
     * The streamed {@code {"items":[...]...}} body. The count completes before any byte is written; documents are
     * encoded one at a time as the cursor delivers them and written in ~64 KiB chunks, the next chunk only once the
     * previous write has completed (Quarkus REST requests the next item after each write: back-pressure on the
     * cursor). A database failure before the first chunk is still a problem response; after it, the status line is
     * gone and the only honest thing left is to abort the connection (Quarkus REST resets it) so the client sees a
     * truncated, invalid body rather than a plausible short page.
     *
     * @param response the HTTP response whose compression is decided before the first write (null: none)
     */
    public Multi<Buffer> json(HttpServerResponse response) {
        Multi<Buffer> body = counted.onItem().transformToMulti(n -> {
            Chunks page = new Chunks(response);
            Multi<Buffer> chunks = docs.get().onItem().transformToIterable(page::add);
            Multi<Buffer> end = Multi.createFrom().item(() -> page.finish(tail(page.shaper, n)));
            return Multi.createBy().concatenating().streams(chunks, end)
                    .onFailure().invoke(t -> {
                        if (page.started) {
                            LOG.warnf("Data API stream failed after the first chunk; aborting the connection: %s", t.toString());
                        }
                    });
        }).onFailure(MongoException.class).transform(DataErrors::translate);
        return RestMulti.fromMultiData(body).encodeAsJsonArray(false).build();
    }

    private String tail(Shaper s, Optional<Long> n) {
        if (limit < 0) {
            return "]}";
        }
        String next = s.nextCursor();
        StringBuilder tail = new StringBuilder("],\"next\":");
        tail.append(next == null ? "null" : new DocJson.Out().string(next).done().toString());
        n.ifPresent(v -> tail.append(",\"count\":").append(v));
        return tail.append('}').toString();
    }

    /** Page limit, next cursor, projection clean-up and redaction of one document at a time. */
    private final class Shaper {
        private int count;
        private boolean more;
        private String next;

        /** False for the limit+1st document: there is a next page; it is not shown. */
        boolean accept(Document d) {
            if (limit >= 0 && count >= limit) {
                more = true;
                return false;
            }
            if (cursor != null && count == limit - 1) {
                next = cursor.apply(d); // before the sort keys added to the projection are stripped
            }
            for (String added : strip) {
                removePath(d, added);
            }
            redact.accept(d);
            count++;
            return true;
        }

        String nextCursor() {
            return more ? next : null;
        }
    }

    /** The state of one streamed page: the open chunk and whether the first write went out. */
    private final class Chunks {
        private final Shaper shaper = new Shaper();
        private final HttpServerResponse response;
        private DocJson.Out out = new DocJson.Out().raw("{\"items\":[");
        private boolean first = true;
        volatile boolean started;

        Chunks(HttpServerResponse response) {
            this.response = response;
        }

        /** Called once per document from the cursor; returns the chunk to write, if one is full. */
        List<Buffer> add(Document d) {
            if (!shaper.accept(d)) {
                return List.of();
            }
            if (!first) {
                out.raw(",");
            }
            first = false;
            out.doc(d);
            if (out.size() < CHUNK_BYTES) {
                return List.of();
            }
            Buffer chunk = out.done();
            out = new DocJson.Out();
            beforeFirstWrite(chunk.length());
            return List.of(chunk);
        }

        Buffer finish(String tail) {
            Buffer last = out.raw(tail).done();
            beforeFirstWrite(last.length());
            return last;
        }

        /**
         * Compression: with compression on, Quarkus marks every response {@code Content-Encoding: identity} and
         * lifts that for the configured media types (application/json among them) in a step a streamed Quarkus REST
         * response never reaches; so it is lifted here, before the headers go out, when the body is at least the
         * gzip threshold (a small page written at once stays identity, as other small responses do). Vert.x then
         * gzips the chunked body chunk by chunk.
         */
        private void beforeFirstWrite(int firstWriteBytes) {
            if (!started) {
                started = true;
                if (response != null && firstWriteBytes >= compressionMinBytes
                        && HttpHeaders.IDENTITY.toString().equals(response.headers().get(HttpHeaders.CONTENT_ENCODING))) {
                    response.headers().remove(HttpHeaders.CONTENT_ENCODING);
                }
            }
        }
    }

    private static void removePath(Document d, String path) {
        int dot = path.indexOf('.');
        if (dot < 0) {
            d.remove(path);
        } else if (d.get(path.substring(0, dot)) instanceof Document sub) {
            removePath(sub, path.substring(dot + 1));
            if (sub.isEmpty()) {
                d.remove(path.substring(0, dot));
            }
        }
    }
}
