package com.modularlabs.data;

import com.modularlabs.access.AccessLevel;
import com.modularlabs.access.ExperimentAccess;
import com.modularlabs.auth.TokenService;
import com.modularlabs.common.Failure;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.HttpConfig;
import com.modularlabs.common.LimitsConfig;
import com.modularlabs.common.Workers;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ExperimentRegistry;
import com.modularlabs.registry.ManifestValidator;
import com.modularlabs.registry.QuerySpec;
import com.modularlabs.store.ChangeLog;
import com.modularlabs.store.Database;
import com.mongodb.MongoException;
import com.mongodb.client.model.CountOptions;
import com.mongodb.client.model.FindOneAndDeleteOptions;
import com.mongodb.client.model.InsertManyOptions;
import io.quarkus.mongodb.AggregateOptions;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.quarkus.mongodb.reactive.ReactiveMongoDatabase;
import io.quarkus.security.identity.SecurityIdentity;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Instance;
import jakarta.inject.Inject;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;
import org.bson.Document;
import org.bson.RawBsonDocument;
import org.bson.types.ObjectId;

/**
 * The sandboxed data API's logic (contract section 5), for the HTTP resource ({@link DataResource}) and the admin
 * data browser alike: each experiment's declared collections, isolated by the engine (physical collection
 * {@code <slug>_<coll>}, every read ANDed with {experiment_id}, every write stamped, updates and deletes scoped to
 * the experiment's own documents, engine-owned fields untouchable). Every write goes through the same checks
 * (field names, the collection's JSON Schema, size limits, the update budget), the write triggers
 * ({@link WriteHooks}) and the realtime change path ({@link ChangeLog}), whoever the {@link Caller} is; acting as
 * an administrator changes only the access-level decision. Refusals are thrown as problems, either at once (access,
 * unknown names, bad parameters) or as the returned Uni's failure (body, database). Nothing blocks the event loop:
 * reactive driver, large bodies parsed and updates evaluated on workers.
 */
@ApplicationScoped
public class DataService {
    static final int INLINE_PARSE_BYTES = 64 * 1024;

    /**
     * Who acts. {@link #of} is a request's caller, decided by the manifest's access levels (an admin-role identity
     * gets what the levels grant admins). {@link #administrator} is the admin panel acting on an experiment's data:
     * every access level (none and service included) and the experiment's auth policy pass, everything else is the
     * same as for any caller.
     */
    public record Caller(SecurityIdentity identity, boolean asAdministrator) {
        public static Caller of(SecurityIdentity identity) {
            return new Caller(identity, false);
        }

        /** @throws Failure FORBIDDEN unless the identity holds the admin role */
        public static Caller administrator(SecurityIdentity identity) {
            if (!AccessLevel.isAdmin(identity)) {
                throw Failure.forbidden("Acting on experiment data as an administrator requires the admin role");
            }
            return new Caller(identity, true);
        }

        boolean admin() {
            return asAdministrator || AccessLevel.isAdmin(identity);
        }
    }

    /** Paging parameters of a list, as given (strings: parsed and refused with the parameter's name). */
    public record ListParams(String filter, String sort, String fields, String limit, String after, boolean count) {
    }

    /** The result of an insert: the stored documents as shown to the caller; {@code array}: the body was an array. */
    public record Inserted(List<Document> documents, boolean array) {
    }

    @Inject
    HttpConfig http;
    @Inject
    LimitsConfig limits;
    @Inject
    Database database;

    @Inject
    TokenService tokens;
    @Inject
    ExperimentRegistry registry;
    @Inject
    ExperimentAccess access;
    @Inject
    ManifestValidator validator;
    @Inject
    DataConfig config;
    @Inject
    ChangeLog changes;
    @Inject
    SharedReads sharedReads;
    @Inject
    Instance<WriteHooks> writeHooks;

    private volatile ReactiveMongoDatabase db;
    private volatile FilterRules rules;

    // ---------------------------------------------------------------- reads

    /** One page of a collection: filter, sort, projection, keyset cursor ({@code after}) and optional count. */
    public Listing list(String slug, String coll, ListParams p, Caller who) {
        Experiment e = experiment(slug, who);
        CollectionSpec c = collection(e, coll);
        return list(slug, c, level(c.read(), who, "Reading " + c.name()), p, who);
    }

    /** The same over collection {@code coll} of experiment {@code owner}, read through experiment {@code slug}. */
    public Listing shared(String slug, String owner, String coll, ListParams p, Caller who) {
        Experiment reader = experiment(slug, who);
        SharedReads.Grant g = sharedReads.check(reader, owner, coll, who.identity(), "Reading " + coll);
        return list(owner, g.collection(), g.ownerOnly(), p, who);
    }

    /** How many documents of the collection match the filter (null or blank: all the caller may read). */
    public Uni<Long> count(String slug, String coll, String filter, Caller who) {
        Experiment e = experiment(slug, who);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = level(c.read(), who, "Reading " + c.name());
        Document q = and(scoped(slug, ownerOnly, userFilter(filter, who)));
        return mongo(coll(c).countDocuments(q, new CountOptions().maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS)));
    }

    /** One document as the caller may see it; 404 when absent or not the caller's (owner level). */
    public Uni<Document> get(String slug, String coll, String id, Caller who) {
        Consumer<Document> redact = redaction(who);
        Experiment e = experiment(slug, who);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = level(c.read(), who, "Reading " + coll);
        Document q = byId(slug, DocJson.parseId(id), ownerOnly);
        return mongo(coll(c).find(q, new FindOptions().limit(1).batchSize(1).maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS))
                .collect().first())
                .map(d -> {
                    if (d == null) {
                        throw notFound(coll, id);
                    }
                    redact.accept(d);
                    return d;
                });
    }

    /** A named query of the manifest with its declared parameters (values as given in the query string). */
    public Listing query(String slug, String name, Map<String, List<String>> given, Caller who) {
        Consumer<Document> redact = redaction(who);
        Experiment e = experiment(slug, who);
        QuerySpec q = e.queries().get(name);
        if (q == null) {
            throw Failure.notFound("Experiment '" + slug + "' has no query '" + name + "'");
        }
        AccessLevel.Owner ownerOnly = level(q.read(), who, "Query " + name);
        CollectionSpec c = collection(e, q.collection());
        if (!who.asAdministrator()) {
            AccessLevel.requireService(c.read(), who.identity(), slug, "Query " + name);
        }
        if (ownerOnly == null && !who.asAdministrator()) {
            // a query over an owner collection never widens it: the caller's own documents only (admins: all)
            ownerOnly = AccessLevel.ownerRestriction(c.read(), who.identity(), "Query " + name);
        }
        Map<String, Object> values = Pipelines.params(q.params(), given);
        List<Document> pipeline = new ArrayList<>(Pipelines.prepare(slug, ownerOnly == null ? null : ownerOnly.match(),
                !who.admin(), q.pipeline(), values, (s, logical) -> resolve(e, logical, "Query " + name, who)));
        List<FieldError> regexErrors = Pipelines.regexErrors(pipeline, regexGuard());
        if (!regexErrors.isEmpty()) {
            throw Failure.invalid("Query '" + name + "' would send an unsafe regex to the database", regexErrors);
        }
        pipeline.add(new Document("$limit", config.maxLimit()));
        AggregateOptions o = new AggregateOptions().maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS).batchSize(config.batchSize());
        ReactiveMongoCollection<Document> col = coll(c);
        return new Listing(Uni.createFrom().item(Optional.empty()), () -> col.aggregate(pipeline, o), -1, List.of(), null, redact,
                http.compressionMinBytes());
    }

    // ---------------------------------------------------------------- writes

    /** Inserts one JSON object or an array of them (all or nothing), stamped and checked like every write. */
    public Uni<Inserted> insert(String slug, String coll, String body, Caller who) {
        Consumer<Document> redact = redaction(who);
        Experiment e = experiment(slug, who);
        CollectionSpec c = collection(e, coll);
        level(c.create(), who, "Creating documents in " + coll);
        String caller = AccessLevel.callerId(who.identity());
        boolean array = body != null && body.stripLeading().startsWith("[");
        return parse(body, DocJson::parseDocuments).map(docs -> {
            if (docs.size() > config.maxBulk()) {
                throw Failure.invalid("Too many documents", List.of(new FieldError("$",
                        "at most " + config.maxBulk() + " documents per insert; nothing was written")));
            }
            if (docs.isEmpty()) {
                throw Failure.invalid("Nothing to insert", List.of(new FieldError("$", "empty array")));
            }
            return docs;
        }).chain(docs -> hooks().before(e, c, "insert", docs, null, who.identity())).chain(docs -> {
            Date now = new Date();
            List<FieldError> errors = new ArrayList<>();
            List<Document> stamped = new ArrayList<>(docs.size());
            for (int i = 0; i < docs.size(); i++) {
                String prefix = array ? "$[" + i + "]" : "$";
                Document d = docs.get(i);
                String idError = d.containsKey("_id") ? idError(d.get("_id")) : null;
                if (idError != null) {
                    errors.add(new FieldError(prefix + "._id", idError));
                }
                stamped.add(stamp(d, slug, caller, now, now, errors, prefix, c));
            }
            if (!errors.isEmpty()) {
                throw Failure.invalid("Invalid document" + (array ? "s; nothing was written" : ""), errors);
            }
            ReactiveMongoCollection<Document> col = coll(c);
            Uni<?> write = stamped.size() == 1 ? col.insertOne(stamped.get(0))
                    : col.insertMany(stamped, new InsertManyOptions().ordered(true));
            return mongo(changes.around(stamped.size(), () -> write,
                    r -> stamped.stream().map(d -> change(slug, c, "insert", d)).toList()))
                    .call(r -> hooks().after(e, c, "insert", stamped, who.identity())).map(r -> {
                        stamped.forEach(redact);
                        return new Inserted(stamped, array);
                    });
        });
    }

    /**
     * Applies MongoDB update operators to one document ({@code upsert}: creates it when absent). The would-be
     * document is computed in memory and checked (schema, size) before anything is written; what is stored is exactly
     * the checked document, written only if nobody changed the original meanwhile (the fetched updated_at is part of
     * the filter: a concurrent change gives 409, never an unchecked write).
     */
    public Uni<Document> patch(String slug, String coll, String id, String body, boolean upsert, Caller who) {
        Consumer<Document> redact = redaction(who);
        Experiment e = experiment(slug, who);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = level(c.update(), who, "Updating documents in " + coll);
        if (upsert) {
            level(c.create(), who, "Creating documents in " + coll);
        }
        Object docId = DocJson.parseId(id);
        if (upsert && idError(docId) != null) {
            throw Failure.invalid("Invalid document id", List.of(new FieldError("id", idError(docId))));
        }
        String caller = AccessLevel.callerId(who.identity());
        return parse(body, b -> DocJson.parseObject(b, "The update")).chain(update -> {
            List<FieldError> errors = rules().checkUpdate(update);
            if (!errors.isEmpty()) {
                throw Failure.invalid("Invalid update", errors);
            }
            ReactiveMongoCollection<Document> col = coll(c);
            return mongo(col.find(byId(slug, docId, ownerOnly), new FindOptions().limit(1).batchSize(1)
                    .maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS)).collect().first()).chain(existing -> {
                if (existing == null && !upsert) {
                    throw notFound(coll, id);
                }
                Document before = existing == null ? new Document() : existing;
                // evaluation (budgeted) and the checks are CPU work: on a worker, never on the event loop
                return Workers.run(() -> UpdateEval.apply(before, update, updateBudget(c)))
                        .chain(evaluated -> hooks().before(e, c, existing == null ? "insert" : "update", List.of(evaluated), existing,
                                who.identity()))
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
                                throw Failure.invalid("The updated document would be invalid; nothing was written", problems);
                            }
                            return r;
                        })).chain(r -> {
                            if (existing == null) {
                                r.put("_id", docId);
                                return mongo(changes.around(1, () -> col.insertOne(r), x -> List.of(change(slug, c, "insert", r))))
                                        .call(x -> hooks().after(e, c, "insert", List.of(r), who.identity()))
                                        .map(x -> shown(r, redact));
                            }
                            r.put("_id", existing.get("_id"));
                            Document exact = exact(slug, existing, ownerOnly);
                            exact.append("updated_at", existing.containsKey("updated_at") ? existing.get("updated_at")
                                    : new Document("$exists", false));
                            return mongo(changes.around(1, () -> col.replaceOne(exact, r),
                                    res -> res.getMatchedCount() == 0 ? List.of() : List.of(change(slug, c, "update", r)))).map(res -> {
                                        if (res.getMatchedCount() == 0) {
                                            throw Failure.conflict(
                                                    "The document was changed by another request; nothing was written, retry");
                                        }
                                        return res;
                                    }).call(res -> hooks().after(e, c, "update", List.of(r), existing, who.identity())).map(res -> shown(r, redact));
                        });
            });
        });
    }

    /** Replaces one document's client fields (the engine's fields and the author are kept). */
    public Uni<Document> replace(String slug, String coll, String id, String body, Caller who) {
        Consumer<Document> redact = redaction(who);
        Experiment e = experiment(slug, who);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = level(c.update(), who, "Updating documents in " + coll);
        Object docId = DocJson.parseId(id);
        Document q = byId(slug, docId, ownerOnly);
        ReactiveMongoCollection<Document> col = coll(c);
        return parse(body, DocJson::parseDocument).chain(doc -> {
            if (doc.containsKey("_id") && !String.valueOf(doc.get("_id")).equals(id)) {
                throw Failure.invalid("Invalid document", List.of(new FieldError("$._id", "differs from the id in the path")));
            }
            // the whole stored document: the triggers get it as `previous`
            return mongo(col.find(q, new FindOptions().limit(1).batchSize(1)
                    .maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS)).collect().first())
                    .chain(existing -> {
                        if (existing == null) {
                            throw notFound(coll, id);
                        }
                        return hooks().before(e, c, "replace", List.of(doc), existing, who.identity()).map(l -> l.get(0)).chain(changed -> {
                            List<FieldError> errors = new ArrayList<>();
                            Document r = stamp(changed, slug, existing.get("created_by"), existing.get("created_at"), new Date(), errors, "$", c);
                            r.put("_id", existing.get("_id"));
                            if (!errors.isEmpty()) {
                                throw Failure.invalid("Invalid document", errors);
                            }
                            Document exact = exact(slug, existing, ownerOnly);
                            return mongo(changes.around(1, () -> col.replaceOne(exact, r),
                                    res -> res.getMatchedCount() == 0 ? List.of() : List.of(change(slug, c, "update", r)))).map(res -> {
                                        if (res.getMatchedCount() == 0) {
                                            throw notFound(coll, id);
                                        }
                                        return res;
                                    }).call(res -> hooks().after(e, c, "replace", List.of(r), existing, who.identity())).map(res -> shown(r, redact));
                        });
                    });
        });
    }

    /** Deletes one document; 404 when absent or not the caller's (owner level). */
    public Uni<Void> delete(String slug, String coll, String id, Caller who) {
        Experiment e = experiment(slug, who);
        CollectionSpec c = collection(e, coll);
        AccessLevel.Owner ownerOnly = level(c.delete(), who, "Deleting documents in " + coll);
        Document q = byId(slug, DocJson.parseId(id), ownerOnly);
        // findOneAndDelete: the realtime event needs the deleted document's owner
        Supplier<Uni<Document>> del = () -> coll(c).findOneAndDelete(q, new FindOneAndDeleteOptions()
                .projection(new Document("created_by", 1)));
        return mongo(changes.around(1, del, d -> d == null ? List.of()
                : List.of(new ChangeLog.Change(slug, c.name(), "delete", d.get("_id"), d.getString("created_by"), null)))).map(r -> {
                    if (r == null) {
                        throw notFound(coll, id);
                    }
                    return r;
                }).call(r -> hooks().after(e, c, "delete", List.of(new Document("_id", r.get("_id"))), who.identity()))
                .replaceWithVoid();
    }

    // ---------------------------------------------------------------- list

    private Listing list(String scopeSlug, CollectionSpec c, AccessLevel.Owner ownerOnly, ListParams p, Caller who) {
        Consumer<Document> redact = redaction(who);
        Set<String> hidden = hidden(who);
        Document userFilter = userFilter(p.filter(), who);
        List<ListQuery.Key> keys = ListQuery.parseSort(p.sort(), config.sortFields(), hidden);
        ListQuery.Fields proj = ListQuery.parseFields(p.fields(), keys);
        int limit = ListQuery.parseLimit(p.limit(), config.defaultLimit(), config.maxLimit());
        List<Document> conditions = scoped(scopeSlug, ownerOnly, userFilter);
        Document base = and(conditions);
        Document query = base;
        String secret = cursorSecret();
        if (p.after() != null && !p.after().isEmpty()) {
            List<Object> last = ListQuery.decodeCursor(p.after(), keys, secret);
            List<Document> withAfter = new ArrayList<>(conditions);
            withAfter.add(ListQuery.after(keys, last));
            query = new Document("$and", withAfter);
        }
        FindOptions o = new FindOptions().filter(query).sort(ListQuery.sortDoc(keys)).limit(limit + 1)
                .batchSize(Math.min(limit + 1, config.batchSize())).maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS);
        if (proj.projection() != null) {
            o.projection(proj.projection());
        }
        ReactiveMongoCollection<Document> col = coll(c);
        // the count runs first: its failure (time limit, ...) is still a clean problem response
        Uni<Optional<Long>> counted = p.count()
                ? col.countDocuments(base, new CountOptions().maxTime(config.maxTimeMs(), TimeUnit.MILLISECONDS)).map(Optional::of)
                : Uni.createFrom().item(Optional.empty());
        Function<Document, String> cursor = d -> ListQuery.encodeCursor(d, keys, secret);
        return new Listing(counted, () -> col.find(o), limit, proj.added(), cursor, redact, http.compressionMinBytes());
    }

    /** The client's filter, checked (operators, depth, regexes, hidden fields); null when none was given. */
    private Document userFilter(String filter, Caller who) {
        if (filter == null || filter.isBlank()) {
            return null;
        }
        Document f = DocJson.parseObject(filter, "filter");
        List<FieldError> errors = rules().checkFilter(f, hidden(who));
        if (!errors.isEmpty()) {
            throw Failure.invalid("Invalid filter", errors.stream()
                    .map(x -> new FieldError("filter" + x.path().substring(1), x.message())).toList());
        }
        return f;
    }

    /** The experiment's documents, the caller's only (owner level), matching the client's filter. */
    private static List<Document> scoped(String slug, AccessLevel.Owner ownerOnly, Document userFilter) {
        List<Document> and = new ArrayList<>();
        and.add(new Document("experiment_id", slug));
        if (ownerOnly != null) {
            and.add(new Document("created_by", ownerOnly.match()));
        }
        if (userFilter != null && !userFilter.isEmpty()) {
            and.add(userFilter);
        }
        return and;
    }

    private static Document and(List<Document> conditions) {
        return conditions.size() == 1 ? conditions.get(0) : new Document("$and", conditions);
    }

    // ---------------------------------------------------------------- helpers

    /** Before/after-write triggers (package functions); none when no implementation is deployed. */
    private WriteHooks hooks() {
        return writeHooks.isResolvable() ? writeHooks.get() : WriteHooks.NONE;
    }

    private String cursorSecret() {
        return config.cursorSecret().orElseGet(() -> tokens.derivedKey("list-cursor"));
    }

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

    /** The access-level decision; an administrator acting as one may do everything. */
    private static AccessLevel.Owner level(String level, Caller who, String what) {
        return who.asAdministrator() ? null : AccessLevel.check(level, who.identity(), what);
    }

    private static Consumer<Document> redaction(Caller who) {
        return who.asAdministrator() ? d -> { } : AccessLevel.authorFilter(who.identity());
    }

    private static Set<String> hidden(Caller who) {
        return who.asAdministrator() ? Set.of() : AccessLevel.hiddenFields(who.identity());
    }

    private Experiment experiment(String slug, Caller who) {
        Experiment e = registry.snapshot().active(slug)
                .orElseThrow(() -> Failure.notFound("No active experiment '" + slug + "'"));
        if (!who.asAdministrator()) {
            access.require(e, who.identity());
        }
        return e;
    }

    private static CollectionSpec collection(Experiment e, String coll) {
        CollectionSpec c = e.collections().get(coll);
        if (c == null) {
            throw Failure.notFound("Experiment '" + e.slug() + "' has no collection '" + coll + "'");
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
    private Pipelines.Target resolve(Experiment self, String logical, String what, Caller who) {
        int dot = logical.indexOf('.');
        String owner = dot < 0 ? self.slug() : logical.substring(0, dot);
        String name = dot < 0 ? logical : logical.substring(dot + 1);
        AccessLevel.Owner only;
        CollectionSpec c;
        if (owner.equals(self.slug())) {
            c = collection(self, name);
            only = who.asAdministrator() ? null : AccessLevel.ownerRestriction(c.read(), who.identity(), what);
        } else {
            SharedReads.Grant g = sharedReads.check(self, owner, name, who.identity(), what);
            c = g.collection();
            only = g.ownerOnly();
        }
        if (!who.asAdministrator()) {
            AccessLevel.requireService(c.read(), who.identity(), owner, what);
        }
        return new Pipelines.Target(c.physicalName(), owner, only == null ? null : only.match());
    }

    private static Document byId(String slug, Object id, AccessLevel.Owner ownerOnly) {
        Object idMatch = id instanceof ObjectId oid ? new Document("$in", List.of(oid, oid.toHexString())) : id;
        Document q = new Document("_id", idMatch).append("experiment_id", slug);
        if (ownerOnly != null) {
            q.append("created_by", ownerOnly.match());
        }
        return q;
    }

    /** The stored document exactly (its _id, the experiment, the caller's own at owner level). */
    private static Document exact(String slug, Document existing, AccessLevel.Owner ownerOnly) {
        Document exact = new Document("_id", existing.get("_id")).append("experiment_id", slug);
        if (ownerOnly != null) {
            exact.append("created_by", ownerOnly.match());
        }
        return exact;
    }

    private static Document shown(Document d, Consumer<Document> redact) {
        redact.accept(d);
        return d;
    }

    private UpdateEval.Budget updateBudget(CollectionSpec c) {
        int max = c.maxDocumentBytes() != null ? c.maxDocumentBytes() : config.documentBytes();
        return UpdateEval.Budget.forDocumentBytes(max, config.updateSteps());
    }

    /**
     * Why a client-chosen _id cannot be stored, or null. Strings must work as one URL path segment (the document's
     * address), so: 1-200 characters from letters, digits and - . _ ~ : @ ! $ ' ( ) * + , ; = (not "." or "..").
     */
    static String idError(Object id) {
        if (id instanceof ObjectId) {
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
            // also what a before_write trigger answers: the names a client may not send (SafeJson.storedNameErrors)
            if (k.isEmpty() || k.startsWith("$") || k.indexOf('\0') >= 0 || k.indexOf('.') >= 0) {
                errors.add(new FieldError(prefix + "." + k, "field names may not be empty, start with '$' or contain '.'"));
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
            throw Failure.tooLarge("Document larger than " + max + " bytes; nothing was written",
                    List.of(new FieldError(prefix, size + " bytes, limit " + max)));
        }
        return s;
    }

    /** Parses a request body within the body limit; bodies over 64 KiB on a worker. */
    private <T> Uni<T> parse(String body, Function<String, T> parser) {
        String b = body == null ? "" : body;
        if (b.length() > limits.jsonBodyBytes()) {
            throw Failure.tooLarge("The request body is larger than " + limits.jsonBodyBytes() + " bytes");
        }
        if (b.length() <= INLINE_PARSE_BYTES) {
            return Uni.createFrom().item(parser.apply(b));
        }
        return Workers.run(() -> parser.apply(b));
    }

    private static <T> Uni<T> mongo(Uni<T> u) {
        return u.onFailure(MongoException.class).transform(DataErrors::translate);
    }

    private static ChangeLog.Change change(String slug, CollectionSpec c, String op, Document d) {
        return new ChangeLog.Change(slug, c.name(), op, d.get("_id"), d.getString("created_by"), d);
    }

    private static Failure notFound(String coll, String id) {
        return Failure.notFound("No document '" + id + "' in " + coll);
    }
}
