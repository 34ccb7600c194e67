package com.modularlabs.data;

import com.modularlabs.auth.ExperimentAccess;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.ProblemException;
import com.modularlabs.common.Workers;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.registry.QuerySpec;
import com.modularlabs.store.ChangeLog;
import com.mongodb.client.model.CountOptions;
import com.mongodb.client.model.InsertManyOptions;
import io.quarkus.mongodb.AggregateOptions;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.mongodb.reactive.ReactiveMongoDatabase;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Multi;
import io.smallrye.mutiny.Uni;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.buffer.Buffer;
import jakarta.inject.Inject;
import jakarta.ws.rs.DELETE;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.PATCH;
import jakarta.ws.rs.POST;
import jakarta.ws.rs.PUT;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.QueryParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;
import jakarta.ws.rs.core.UriInfo;
import java.net.URI;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Supplier;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.RestMulti;

/**
 * The sandboxed data API (contract section 5): each experiment's declared collections over REST. Isolation is the
 * engine's: physical collection {@code <slug>_<coll>}, every read ANDed with {experiment_id}, every write stamped,
 * updates and deletes scoped to the experiment's own documents, engine-owned fields untouchable. Everything about
 * the experiment comes from the registry snapshot; nothing blocks the event loop (reactive driver, large bodies
 * parsed on workers).
 */
@Path("/experiments/{slug}/api")
public class DataResource {
    static final String JSON = "application/json";
    static final int INLINE_PARSE_BYTES = 64 * 1024;
    private static final Logger LOG = Logger.getLogger(DataResource.class);

    @Inject
    com.modularlabs.common.HttpConfig http;
    @Inject
    com.modularlabs.common.LimitsConfig limits;

    @Inject
    com.modularlabs.auth.TokenService tokens;

    private String cursorSecret() {
        return config.cursorSecret().orElseGet(() -> tokens.derivedKey("list-cursor"));
    }

    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    SecurityIdentity identity;
    @Inject
    ManifestValidator validator;
    @Inject
    DataConfig config;
    @Inject
    ChangeLog changes;
    @Inject
    SharedReads sharedReads;
    @Inject
    jakarta.enterprise.inject.Instance<WriteHooks> writeHooks;

    /** Before/after-write triggers (package functions); none when no implementation is deployed. */
    private WriteHooks hooks() {
        return writeHooks.isResolvable() ? writeHooks.get() : WriteHooks.NONE;
    }

    @Inject
    com.modularlabs.store.Database database;
    private volatile ReactiveMongoDatabase db;
    private volatile FilterRules rules;

    private ReactiveMongoDatabase db() {
        ReactiveMongoDatabase d = db;
        if (d == null) {
            db = d = database.get();
        }
        return d;
    }

    private FilterRules rules() {
        FilterRules r = rules;
        if (r == null) {
            rules = r = new FilterRules(config.filterDepth(), regexGuard());
        }
        return r;
    }

    private RegexGuard regexGuard() {
        return new RegexGuard(config.regexLength(), config.regexStrict());
    }

    // ---------------------------------------------------------------- routes

    @GET
    @Path("/{coll}")
    @Produces(MediaType.APPLICATION_JSON)
    public Multi<Buffer> list(@PathParam("slug") String slug, @PathParam("coll") String coll, @QueryParam("filter") String filter,
            @QueryParam("sort") String sort, @QueryParam("fields") String fields, @QueryParam("limit") String limit,
            @QueryParam("after") String after, @QueryParam("count") String count, @Context HttpServerResponse response) {
        Experiment e = experiment(slug);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = AccessLevel.check(c.read(), identity, "Reading " + c.name());
        return list(slug, c, ownerOnly, filter, sort, fields, limit, after, count, response);
    }

    @GET
    @Path("/_shared/{owner}/{coll}")
    @Produces(MediaType.APPLICATION_JSON)
    public Multi<Buffer> shared(@PathParam("slug") String slug, @PathParam("owner") String owner, @PathParam("coll") String coll,
            @QueryParam("filter") String filter, @QueryParam("sort") String sort, @QueryParam("fields") String fields,
            @QueryParam("limit") String limit, @QueryParam("after") String after, @QueryParam("count") String count,
            @Context HttpServerResponse response) {
        Experiment reader = experiment(slug);
        SharedReads.Grant g = sharedReads.check(reader, owner, coll, identity, "Reading " + coll);
        return list(owner, g.collection(), g.ownerOnly(), filter, sort, fields, limit, after, count, response);
    }

    @GET
    @Path("/{coll}/{id}")
    public Uni<Response> get(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id) {
        java.util.function.Consumer<Document> redact = AccessLevel.authorFilter(identity);
        Experiment e = experiment(slug);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = AccessLevel.check(c.read(), identity, "Reading " + coll);
        Document q = byId(slug, DocJson.parseId(id), ownerOnly);
        return mongo(coll(c).find(q, new FindOptions().limit(1).batchSize(1).maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS))
                .collect().first())
                .map(d -> {
                    if (d == null) {
                        throw notFound(coll, id);
                    }
                    return ok(200, shown(d, redact));
                });
    }

    @POST
    @Path("/{coll}")
    public Uni<Response> insert(@PathParam("slug") String slug, @PathParam("coll") String coll, String body, @Context UriInfo uri) {
        java.util.function.Consumer<Document> redact = AccessLevel.authorFilter(identity);
        Experiment e = experiment(slug);
        CollectionSpec c = collection(e, coll);
        AccessLevel.check(c.create(), identity, "Creating documents in " + coll);
        String caller = AccessLevel.callerId(identity);
        boolean array = body != null && body.stripLeading().startsWith("[");
        return parse(body, DocJson::parseDocuments).map(docs -> {
            if (docs.size() > config.maxBulk()) {
                throw ProblemException.invalid("Too many documents", List.of(new FieldError("$",
                        "at most " + config.maxBulk() + " documents per insert; nothing was written")));
            }
            if (docs.isEmpty()) {
                throw ProblemException.invalid("Nothing to insert", List.of(new FieldError("$", "empty array")));
            }
            return docs;
        }).chain(docs -> hooks().before(e, c, "insert", docs, null, identity)).chain(docs -> {
            Date now = new Date();
            List<FieldError> errors = new ArrayList<>();
            List<Document> stamped = new ArrayList<>(docs.size());
            for (int i = 0; i < docs.size(); i++) {
                String prefix = array ? "$[" + i + "]" : "$";
                Document d = docs.get(i);
                Object id = d.get("_id");
                String idError = d.containsKey("_id") ? idError(id) : null;
                if (idError != null) {
                    errors.add(new FieldError(prefix + "._id", idError));
                }
                Document s = stamp(d, slug, caller, now, now, errors, prefix, c);
                stamped.add(s);
            }
            if (!errors.isEmpty()) {
                throw ProblemException.invalid("Invalid document" + (array ? "s; nothing was written" : ""), errors);
            }
            ReactiveMongoCollection<Document> col = coll(c);
            Uni<?> write = stamped.size() == 1 ? col.insertOne(stamped.get(0))
                    : col.insertMany(stamped, new InsertManyOptions().ordered(true));
            return mongo(changes.around(stamped.size(), () -> write,
                    r -> stamped.stream().map(d -> change(slug, c, "insert", d)).toList()))
                    .call(r -> hooks().after(e, c, "insert", stamped, identity)).map(r -> {
                if (!array) {
                    Document d = stamped.get(0);
                    return Response.status(201).type(JSON).location(URI.create(uri.getPath() + "/" + pathSegment(idString(d.get("_id")))))
                            .entity(shown(d, redact)).build();
                }
                DocJson.Out out = new DocJson.Out().raw("{\"items\":[");
                for (int i = 0; i < stamped.size(); i++) {
                    if (i > 0) {
                        out.raw(",");
                    }
                    redact.accept(stamped.get(i));
                    out.doc(stamped.get(i));
                }
                return ok(201, out.raw("],\"count\":" + stamped.size() + "}").done());
            });
        });
    }

    @PATCH
    @Path("/{coll}/{id}")
    public Uni<Response> patch(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id,
            @QueryParam("upsert") boolean upsert, String body) {
        java.util.function.Consumer<Document> redact = AccessLevel.authorFilter(identity);
        Experiment e = experiment(slug);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = AccessLevel.check(c.update(), identity, "Updating documents in " + coll);
        if (upsert) {
            AccessLevel.check(c.create(), identity, "Creating documents in " + coll);
        }
        Object docId = DocJson.parseId(id);
        if (upsert && idError(docId) != null) {
            throw ProblemException.invalid("Invalid document id", List.of(new FieldError("id", idError(docId))));
        }
        String caller = AccessLevel.callerId(identity);
        return parse(body, b -> DocJson.parseObject(b, "The update")).chain(update -> {
            List<FieldError> errors = rules().checkUpdate(update);
            if (!errors.isEmpty()) {
                throw ProblemException.invalid("Invalid update", errors);
            }
            // The would-be document is computed in memory and checked (schema, size) before anything is written;
            // what is stored is exactly the checked document, written only if nobody changed the original meanwhile
            // (the fetched updated_at is part of the filter: a concurrent change gives 409, never an unchecked write).
            ReactiveMongoCollection<Document> col = coll(c);
            return mongo(col.find(byId(slug, docId, ownerOnly), new FindOptions().limit(1).batchSize(1)
                    .maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS)).collect().first()).chain(existing -> {
                if (existing == null && !upsert) {
                    throw notFound(coll, id);
                }
                Document before = existing == null ? new Document() : existing;
                // evaluation (budgeted) and the checks are CPU work: on a worker, never on the event loop
                return Workers.run(() -> UpdateEval.apply(before, update, updateBudget(c)))
                        .chain(evaluated -> hooks().before(e, c, existing == null ? "insert" : "update", List.of(evaluated), existing, identity))
                        .chain(changed -> Workers.run(() -> {
                    Document after = changed.get(0);
                    Date now = new Date();
                    if (before.get("updated_at") instanceof Date prev && !now.after(prev)) {
                        now = new Date(prev.getTime() + 1);
                    }
                    List<FieldError> problems = new ArrayList<>();
                    Document r = existing == null ? stamp(after, slug, caller, now, now, problems, "$", c)
                            : stamp(after, slug, existing.get("created_by"), existing.get("created_at"), now, problems, "$", c);
                    if (!problems.isEmpty()) {
                        throw ProblemException.invalid("The updated document would be invalid; nothing was written", problems);
                    }
                    return r;
                })).chain(r -> {
                    if (existing == null) {
                        r.put("_id", docId);
                        return mongo(changes.around(1, () -> col.insertOne(r), x -> List.of(change(slug, c, "insert", r))))
                                .call(x -> hooks().after(e, c, "insert", List.of(r), identity))
                                .map(x -> ok(200, shown(r, redact)));
                    }
                    r.put("_id", existing.get("_id"));
                    Document exact = new Document("_id", existing.get("_id")).append("experiment_id", slug);
                    if (ownerOnly != null) {
                        exact.append("created_by", ownerOnly.match());
                    }
                    exact.append("updated_at", existing.containsKey("updated_at") ? existing.get("updated_at") : new Document("$exists", false));
                    return mongo(changes.around(1, () -> col.replaceOne(exact, r),
                            res -> res.getMatchedCount() == 0 ? List.of() : List.of(change(slug, c, "update", r)))).map(res -> {
                        if (res.getMatchedCount() == 0) {
                            throw new ProblemException(409, "Conflict", "The document was changed by another request; nothing was written, retry");
                        }
                        return res;
                    }).call(res -> hooks().after(e, c, "update", List.of(r), identity)).map(res -> ok(200, shown(r, redact)));
                });
            });
        });
    }

    private UpdateEval.Budget updateBudget(CollectionSpec c) {
        int max = c.maxDocumentBytes() != null ? c.maxDocumentBytes() : config.documentBytes();
        return UpdateEval.Budget.forDocumentBytes(max, config.updateSteps());
    }

    @PUT
    @Path("/{coll}/{id}")
    public Uni<Response> replace(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id, String body) {
        java.util.function.Consumer<Document> redact = AccessLevel.authorFilter(identity);
        Experiment e = experiment(slug);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = AccessLevel.check(c.update(), identity, "Updating documents in " + coll);
        Object docId = DocJson.parseId(id);
        Document q = byId(slug, docId, ownerOnly);
        ReactiveMongoCollection<Document> col = coll(c);
        return parse(body, DocJson::parseDocument)
                .chain(doc -> hooks().before(e, c, "replace", List.of(doc), null, identity).map(l -> l.get(0))).chain(doc -> {
            if (doc.containsKey("_id") && !String.valueOf(doc.get("_id")).equals(id)) {
                throw ProblemException.invalid("Invalid document", List.of(new FieldError("$._id", "differs from the id in the path")));
            }
            return mongo(col.find(q, new FindOptions().limit(1).batchSize(1)
                    .projection(new Document("experiment_id", 1).append("created_by", 1).append("created_at", 1))
                    .maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS)).collect().first())
                    .chain(existing -> {
                        if (existing == null) {
                            throw notFound(coll, id);
                        }
                        List<FieldError> errors = new ArrayList<>();
                        Document r = stamp(doc, slug, existing.get("created_by"), existing.get("created_at"), new Date(), errors, "$", c);
                        r.put("_id", existing.get("_id"));
                        if (!errors.isEmpty()) {
                            throw ProblemException.invalid("Invalid document", errors);
                        }
                        Document exact = new Document("_id", existing.get("_id")).append("experiment_id", slug);
                        if (ownerOnly != null) {
                            exact.append("created_by", ownerOnly.match());
                        }
                        return mongo(changes.around(1, () -> col.replaceOne(exact, r),
                                res -> res.getMatchedCount() == 0 ? List.of() : List.of(change(slug, c, "update", r)))).map(res -> {
                            if (res.getMatchedCount() == 0) {
                                throw notFound(coll, id);
                            }
                            return res;
                        }).call(res -> hooks().after(e, c, "replace", List.of(r), identity)).map(res -> ok(200, shown(r, redact)));
                    });
        });
    }

    @DELETE
    @Path("/{coll}/{id}")
    public Uni<Response> delete(@PathParam("slug") String slug, @PathParam("coll") String coll, @PathParam("id") String id) {
        Experiment e = experiment(slug);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = AccessLevel.check(c.delete(), identity, "Deleting documents in " + coll);
        Document q = byId(slug, DocJson.parseId(id), ownerOnly);
        // findOneAndDelete: the realtime event needs the deleted document's owner
        Supplier<Uni<Document>> del = () -> coll(c).findOneAndDelete(q, new com.mongodb.client.model.FindOneAndDeleteOptions()
                .projection(new Document("created_by", 1)));
        return mongo(changes.around(1, del, d -> d == null ? List.of()
                : List.of(new ChangeLog.Change(slug, c.name(), "delete", d.get("_id"), d.getString("created_by"), null)))).map(r -> {
            if (r == null) {
                throw notFound(coll, id);
            }
            return r;
        }).call(r -> hooks().after(e, c, "delete", List.of(new Document("_id", r.get("_id"))), identity))
                .map(r -> Response.noContent().build());
    }

    @GET
    @Path("/_queries/{name}")
    @Produces(MediaType.APPLICATION_JSON)
    public Multi<Buffer> query(@PathParam("slug") String slug, @PathParam("name") String name, @Context UriInfo uri,
            @Context HttpServerResponse response) {
        java.util.function.Consumer<Document> redact = AccessLevel.authorFilter(identity);
        Experiment e = experiment(slug);
        QuerySpec q = e.queries().get(name);
        if (q == null) {
            throw ProblemException.notFound("Experiment '" + slug + "' has no query '" + name + "'");
        }
        AccessLevel.Owner ownerOnly = AccessLevel.check(q.read(), identity, "Query " + name);
        CollectionSpec c = collection(e, q.collection());
        AccessLevel.requireService(c.read(), identity, slug, "Query " + name);
        if (ownerOnly == null) {
            // a query over an owner collection never widens it: the caller's own documents only (admins: all)
            ownerOnly = AccessLevel.ownerRestriction(c.read(), identity, "Query " + name);
        }
        Map<String, List<String>> given = new HashMap<>(uri.getQueryParameters());
        Map<String, Object> values = Pipelines.params(q.params(), given);
        List<Document> pipeline = new ArrayList<>(Pipelines.prepare(slug, ownerOnly == null ? null : ownerOnly.match(),
                !AccessLevel.isAdmin(identity), q.pipeline(), values, (s, logical) -> resolve(e, logical, "Query " + name)));
        List<FieldError> regexErrors = Pipelines.regexErrors(pipeline, regexGuard());
        if (!regexErrors.isEmpty()) {
            throw ProblemException.invalid("Query '" + name + "' would send an unsafe regex to the database", regexErrors);
        }
        pipeline.add(new Document("$limit", config.maxLimit()));
        AggregateOptions o = new AggregateOptions().maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS).batchSize(config.batchSize());
        ReactiveMongoCollection<Document> col = coll(c);
        return stream(Uni.createFrom().item(Boolean.TRUE), ignored -> col.aggregate(pipeline, o),
                () -> new Page(-1, List.of(), null, response, http.compressionMinBytes(), redact), (page, ignored) -> "]}");
    }

    // ---------------------------------------------------------------- list

    private Multi<Buffer> list(String scopeSlug, CollectionSpec c, AccessLevel.Owner ownerOnly, String filter, String sort, String fields,
            String limitParam, String after, String count, HttpServerResponse response) {
        java.util.function.Consumer<Document> redact = AccessLevel.authorFilter(identity);
        Document userFilter = null;
        java.util.Set<String> hidden = AccessLevel.hiddenFields(identity);
        if (filter != null && !filter.isBlank()) {
            userFilter = DocJson.parseObject(filter, "filter");
            List<FieldError> errors = rules().checkFilter(userFilter, hidden);
            if (!errors.isEmpty()) {
                throw ProblemException.invalid("Invalid filter", errors.stream()
                        .map(f -> new FieldError("filter" + f.path().substring(1), f.message())).toList());
            }
        }
        List<ListQuery.Key> keys = ListQuery.parseSort(sort, config.sortFields(), hidden);
        ListQuery.Fields proj = ListQuery.parseFields(fields, keys);
        int limit = ListQuery.parseLimit(limitParam, config.defaultLimit(), config.maxLimit());
        boolean withCount = "true".equalsIgnoreCase(count) || "1".equals(count);

        List<Document> and = new ArrayList<>();
        and.add(new Document("experiment_id", scopeSlug));
        if (ownerOnly != null) {
            and.add(new Document("created_by", ownerOnly.match()));
        }
        if (userFilter != null && !userFilter.isEmpty()) {
            and.add(userFilter);
        }
        Document base = and.size() == 1 ? and.get(0) : new Document("$and", and);
        Document query = base;
        if (after != null && !after.isEmpty()) {
            List<Object> last = ListQuery.decodeCursor(after, keys, cursorSecret());
            List<Document> withAfter = new ArrayList<>(and);
            withAfter.add(ListQuery.after(keys, last));
            query = new Document("$and", withAfter);
        }
        FindOptions o = new FindOptions().filter(query).sort(ListQuery.sortDoc(keys)).limit(limit + 1)
                .batchSize(Math.min(limit + 1, config.batchSize())).maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS);
        if (proj.projection() != null) {
            o.projection(proj.projection());
        }
        ReactiveMongoCollection<Document> col = coll(c);
        // the count runs first: its failure (time limit, ...) is still a clean problem response (translated in stream)
        Uni<Optional<Long>> counted = withCount
                ? col.countDocuments(base, new CountOptions().maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS)).map(Optional::of)
                : Uni.createFrom().item(Optional.empty());
        String secret = cursorSecret();
        return stream(counted, n -> col.find(o), () -> new Page(limit, proj.added(), d -> ListQuery.encodeCursor(d, keys, secret), response,
                http.compressionMinBytes(), redact),
                (page, n) -> {
                    StringBuilder tail = new StringBuilder("],\"next\":");
                    page.nextCursor(tail);
                    n.ifPresent(v -> tail.append(",\"count\":").append(v));
                    return tail.append('}').toString();
                });
    }

    /** Documents are gathered into chunks of about this many bytes before each write (small pages: one write). */
    static final int CHUNK_BYTES = 64 * 1024;

    /**
     * One streamed {@code {"items":[...]...}} response. Everything that can be refused (parameters, access, filter,
     * cursor) was checked by the caller before this is called, and {@code first} (the count) completes before any
     * byte is written; documents are encoded one at a time as the cursor delivers them and written in ~64 KiB
     * chunks, the next chunk only once the previous write has completed (Quarkus REST requests the next item after
     * each write: back-pressure on the cursor). A database failure before the first chunk is still a problem
     * response; after it, the status line is gone and the only honest thing left is to abort the connection
     * (Quarkus REST resets it) so the client sees a truncated, invalid body rather than a plausible short page.
     */
    private <F> Multi<Buffer> stream(Uni<F> first, java.util.function.Function<F, Multi<Document>> docs, Supplier<Page> pages,
            BiFunction<Page, F, String> tail) {
        Multi<Buffer> body = first.onItem().transformToMulti(f -> {
            Page page = pages.get();
            Multi<Buffer> chunks = docs.apply(f).onItem().transformToIterable(page::add);
            Multi<Buffer> end = Multi.createFrom().item(() -> page.finish(tail.apply(page, f)));
            return Multi.createBy().concatenating().streams(chunks, end)
                    .onFailure().invoke(t -> {
                        if (page.started) {
                            LOG.warnf("Data API stream failed after the first chunk; aborting the connection: %s", t.toString());
                        }
                    });
        }).onFailure(com.mongodb.MongoException.class).transform(DataErrors::translate);
        return RestMulti.fromMultiData(body).encodeAsJsonArray(false).build();
    }

    /** The state of one streamed page: the open chunk, how many documents, and the cursor of the page's last one. */
    static final class Page {
        private final int limit;
        private final java.util.Collection<String> strip;
        private final java.util.function.Function<Document, String> cursor;
        private DocJson.Out out = new DocJson.Out().raw("{\"items\":[");
        private int count;
        private boolean more;
        private String next;
        private final HttpServerResponse response;
        private final long compressionMinBytes;
        private final java.util.function.Consumer<Document> redact;
        volatile boolean started;

        Page(int limit, java.util.Collection<String> strip, java.util.function.Function<Document, String> cursor,
                HttpServerResponse response, long compressionMinBytes, java.util.function.Consumer<Document> redact) {
            this.redact = redact;
            this.limit = limit;
            this.strip = strip;
            this.cursor = cursor;
            this.response = response;
            this.compressionMinBytes = compressionMinBytes;
        }

        /** Called once per document from the cursor; returns the chunk to write, if one is full. */
        List<Buffer> add(Document d) {
            if (limit >= 0 && count >= limit) {
                more = true; // the limit+1st document: there is a next page; it is not shown
                return List.of();
            }
            if (cursor != null && count == limit - 1) {
                next = cursor.apply(d); // before the sort keys added to the projection are stripped
            }
            for (String added : strip) {
                removePath(d, added);
            }
            redact.accept(d);
            if (count++ > 0) {
                out.raw(",");
            }
            out.doc(d);
            if (out.size() < CHUNK_BYTES) {
                return List.of();
            }
            Buffer chunk = out.done();
            out = new DocJson.Out();
            beforeFirstWrite(chunk.length());
            return List.of(chunk);
        }

        void nextCursor(StringBuilder sb) {
            String n = more ? next : null;
            sb.append(n == null ? "null" : new DocJson.Out().string(n).done().toString());
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

    // ---------------------------------------------------------------- helpers

    private Experiment experiment(String slug) {
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> ProblemException.notFound("No active experiment '" + slug + "'"));
        access.require(e, identity);
        return e;
    }

    private static CollectionSpec collection(Experiment e, String coll) {
        CollectionSpec c = e.collections().get(coll);
        if (c == null) {
            throw ProblemException.notFound("Experiment '" + e.slug() + "' has no collection '" + coll + "'");
        }
        return c;
    }

    private ReactiveMongoCollection<Document> coll(CollectionSpec c) {
        return db().getCollection(c.physicalName());
    }

    /**
     * Named-query collection references: "coll" (own: the query's read level decides, owner collections stay
     * restricted to the caller's documents) or "owner.coll" of another experiment, under exactly the rules of the
     * _shared route ({@link SharedReads}).
     */
    private Pipelines.Target resolve(Experiment self, String logical, String what) {
        int dot = logical.indexOf('.');
        String owner = dot < 0 ? self.slug() : logical.substring(0, dot);
        String name = dot < 0 ? logical : logical.substring(dot + 1);
        AccessLevel.Owner only;
        CollectionSpec c;
        if (owner.equals(self.slug())) {
            c = collection(self, name);
            only = AccessLevel.ownerRestriction(c.read(), identity, what);
        } else {
            SharedReads.Grant g = sharedReads.check(self, owner, name, identity, what);
            c = g.collection();
            only = g.ownerOnly();
        }
        AccessLevel.requireService(c.read(), identity, owner, what);
        return new Pipelines.Target(c.physicalName(), owner, only == null ? null : only.match());
    }

    private static Document byId(String slug, Object id, AccessLevel.Owner ownerOnly) {
        Object idMatch = id instanceof org.bson.types.ObjectId oid ? new Document("$in", List.of(oid, oid.toHexString())) : id;
        Document q = new Document("_id", idMatch).append("experiment_id", slug);
        if (ownerOnly != null) {
            q.append("created_by", ownerOnly.match());
        }
        return q;
    }

    /** A document as this caller may see it (the author hidden from readers who are neither the author nor an admin). */
    private static Buffer shown(Document d, java.util.function.Consumer<Document> redact) {
        redact.accept(d);
        return new DocJson.Out().doc(d).done();
    }

    /**
     * Why a client-chosen _id cannot be stored, or null. Strings must work as one URL path segment (the document's
     * address), so: 1-200 characters from letters, digits and - . _ ~ : @ ! $ ' ( ) * + , ; = (not "." or "..").
     */
    static String idError(Object id) {
        if (id instanceof org.bson.types.ObjectId) {
            return null;
        }
        if (!(id instanceof String s)) {
            return "must be an ObjectId or a string";
        }
        if (s.isEmpty() || s.length() > 200 || s.equals(".") || s.equals("..")) {
            return "must be 1 to 200 characters (and not '.' or '..')";
        }
        for (int i = 0; i < s.length(); i++) {
            char ch = s.charAt(i);
            boolean ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || "-._~:@!$'()*+,;=".indexOf(ch) >= 0;
            if (!ok) {
                return "may only hold letters, digits and - . _ ~ : @ ! $ ' ( ) * + , ; =";
            }
        }
        return null;
    }

    /** Percent-encodes one URL path segment (UTF-8). */
    static String pathSegment(String s) {
        return java.net.URLEncoder.encode(s, java.nio.charset.StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * A copy of a client document with the engine's fields stamped over whatever the client sent; checks field
     * names, the collection's JSON Schema and the size limit, adding errors under {@code prefix}.
     */
    private Document stamp(Document d, String slug, Object createdBy, Object createdAt, Date updatedAt, List<FieldError> errors,
            String prefix, CollectionSpec c) {
        Document s = new Document();
        if (d.containsKey("_id")) {
            s.put("_id", d.get("_id"));
        }
        for (Map.Entry<String, Object> f : d.entrySet()) {
            if (!FilterRules.PROTECTED.contains(f.getKey())) {
                s.put(f.getKey(), f.getValue());
            }
        }
        Document forSchema = new Document(s);
        forSchema.remove("_id");
        for (Map.Entry<String, Object> f : forSchema.entrySet()) {
            String k = f.getKey();
            if (k.isEmpty() || k.startsWith("$") || k.indexOf('\0') >= 0) {
                errors.add(new FieldError(prefix + "." + k, "field names may not be empty or start with '$'"));
            } else {
                FilterRules.storedValue(f.getValue(), prefix + "." + k, errors);
            }
        }
        if (c.schema() != null) {
            for (FieldError fe : validator.validate(c.schema(), validator.toJsonNode(forSchema))) {
                errors.add(new FieldError(prefix + fe.path().substring(1), fe.message()));
            }
        }
        s.put("experiment_id", slug);
        s.put("created_by", createdBy);
        s.put("created_at", createdAt);
        s.put("updated_at", updatedAt);
        int max = c.maxDocumentBytes() != null ? c.maxDocumentBytes() : config.documentBytes();
        int size = new RawBsonDocument(s, DocJson.CODEC).getByteBuffer().remaining();
        if (size > max) {
            throw new ProblemException(413, "Payload Too Large", "Document larger than " + max + " bytes; nothing was written",
                    List.of(new FieldError(prefix, size + " bytes, limit " + max)), null);
        }
        return s;
    }

    private <T> Uni<T> parse(String body, java.util.function.Function<String, T> parser) {
        if (body == null) {
            body = "";
        }
        if (body.length() > limits.jsonBodyBytes()) {
            throw ProblemException.tooLarge("The request body is larger than " + limits.jsonBodyBytes() + " bytes");
        }
        if (body.length() <= INLINE_PARSE_BYTES) {
            return Uni.createFrom().item(parser.apply(body));
        }
        String b = body;
        return Workers.run(() -> parser.apply(b));
    }

    private static <T> Uni<T> mongo(Uni<T> u) {
        return u.onFailure(com.mongodb.MongoException.class).transform(DataErrors::translate);
    }

    private static ChangeLog.Change change(String slug, CollectionSpec c, String op, Document d) {
        return new ChangeLog.Change(slug, c.name(), op, d.get("_id"), d.getString("created_by"), d);
    }

    private static Response ok(int status, Buffer body) {
        return Response.status(status).type(JSON).entity(body).build();
    }

    private static ProblemException notFound(String coll, String id) {
        return ProblemException.notFound("No document '" + id + "' in " + coll);
    }

    private static String idString(Object id) {
        return id instanceof org.bson.types.ObjectId o ? o.toHexString() : String.valueOf(id);
    }
}
