package com.modularlabs.data;

import com.modularlabs.store.Database;
import com.modularlabs.access.AccessLevel;
import com.modularlabs.common.FieldError;
import com.modularlabs.common.Failure;
import com.modularlabs.registry.CollectionSpec;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.IndexSpec;
import com.mongodb.MongoException;
import com.mongodb.MongoSocketException;
import com.mongodb.MongoTimeoutException;
import io.quarkus.mongodb.AggregateOptions;
import io.quarkus.mongodb.FindOptions;
import io.quarkus.mongodb.reactive.ReactiveMongoCollection;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.bson.Document;
import org.jboss.logging.Logger;

/**
 * Text search over the fields of a collection's managed text index, on every store. Where the store answers
 * {@code $text} (MongoDB with the index built) the results are MongoDB's, ranked by text score; where it cannot
 * (the embedded store has no $text, or the index is still building) the same words are matched case-insensitively
 * as literal substrings of those fields, ANY word in ANY field (as $text does), over at most
 * {@link SearchConfig#scanBudget()} of the newest documents, newest first. The regular expressions are built from
 * escaped literals only, so they mean the same on every regex engine (PCRE, RE2, java.util.regex) and cannot
 * backtrack.
 */
@ApplicationScoped
public class TextSearch {
    @jakarta.inject.Inject
    Database database;

    private static final Logger LOG = Logger.getLogger(TextSearch.class);
    private static final Pattern WORDS = Pattern.compile("\\s+");
    private static final String META = "\\^$.|?*+()[]{}/-";

    public record Result(String mode, List<Document> items) {
    }

    private final SearchConfig config;
    private final DataConfig data;
    /** Set once the store refused $text itself (not merely a missing index): later searches go straight to the scan. */
    private volatile boolean storeLacksText;

    public TextSearch(SearchConfig config, DataConfig data) {
        this.config = config;
        this.data = data;
    }

    /** The fields of the collection's text index, in declaration order; 400 when it has none. */
    static List<String> textFields(Experiment e, CollectionSpec c) {
        List<String> fields = new ArrayList<>();
        for (IndexSpec i : e.indexes()) {
            if (i.collection().equals(c.name()) && i.type().equals("text") && i.keys() != null) {
                for (Map.Entry<String, Object> k : i.keys().entrySet()) {
                    if ("text".equals(k.getValue())) {
                        fields.add(k.getKey());
                    }
                }
            }
        }
        if (fields.isEmpty()) {
            throw Failure.invalid("Collection '" + c.name() + "' has no text index",
                    List.of(new FieldError("q", "declare a managed index of type text on '" + c.name() + "' to search it")));
        }
        if (fields.contains("$**")) {
            throw Failure.invalid("Collection '" + c.name() + "' has a wildcard text index",
                    List.of(new FieldError("q", "search needs a text index that names its fields")));
        }
        return fields;
    }

    /** The words of q (validated: 1..maxQueryLength characters, at most maxTerms words). */
    List<String> terms(String q) {
        if (q == null || q.isBlank()) {
            throw Failure.invalid("Missing search text", List.of(new FieldError("q", "is required")));
        }
        if (q.length() > config.maxQueryLength()) {
            throw Failure.invalid("Search text too long", List.of(new FieldError("q", "at most " + config.maxQueryLength() + " characters")));
        }
        LinkedHashSet<String> words = new LinkedHashSet<>();
        for (String w : WORDS.split(q.strip())) {
            String t = w.replace("\"", "");
            if (t.startsWith("-")) {
                continue; // $text's negation; the scan cannot honour it cheaply, and dropping it only widens the results
            }
            if (!t.isEmpty()) {
                words.add(t);
            }
        }
        if (words.isEmpty()) {
            throw Failure.invalid("Missing search text", List.of(new FieldError("q", "has no words")));
        }
        if (words.size() > config.maxTerms()) {
            throw Failure.invalid("Too many words", List.of(new FieldError("q", "at most " + config.maxTerms() + " words")));
        }
        return new ArrayList<>(words);
    }

    int limit(String raw) {
        if (raw == null || raw.isEmpty()) {
            return config.defaultLimit();
        }
        try {
            int n = Integer.parseInt(raw);
            if (n >= 1 && n <= config.maxLimit()) {
                return n;
            }
        } catch (NumberFormatException ignored) {
            // answered below
        }
        throw Failure.invalid("Invalid limit", List.of(new FieldError("limit", "must be an integer from 1 to " + config.maxLimit())));
    }

    /** A regex source matching {@code literal} exactly: every character with a meaning in some regex dialect is escaped. */
    static String quote(String literal) {
        StringBuilder b = new StringBuilder(literal.length() + 8);
        literal.codePoints().forEach(cp -> {
            if (cp < 128 && META.indexOf(cp) >= 0) {
                b.append('\\');
            }
            b.appendCodePoint(cp);
        });
        return b.toString();
    }

    /**
     * Searches {@code c} of experiment {@code slug}; {@code ownerOnly} restricts to one user's documents (read level
     * owner). The caller has checked access.
     */
    public Uni<Result> search(String slug, Experiment e, CollectionSpec c, String q, String limitParam, AccessLevel.Owner ownerOnly) {
        List<String> fields = textFields(e, c);
        List<String> words = terms(q);
        int limit = limit(limitParam);
        Document scope = new Document("experiment_id", slug);
        if (ownerOnly != null) {
            scope.append("created_by", ownerOnly.match());
        }
        var coll = database.get().getCollection(c.physicalName());
        if (storeLacksText) {
            return scan(coll, scope, fields, words, limit);
        }
        Document text = new Document("$and", List.of(scope, new Document("$text", new Document("$search", String.join(" ", words)))));
        Document score = new Document("score", new Document("$meta", "textScore"));
        FindOptions o = new FindOptions().filter(text).projection(score).sort(score).limit(limit).batchSize(limit)
                .maxTime(data.maxTimeMs(), TimeUnit.MILLISECONDS);
        return coll.find(o).map(d -> {
            d.remove("score");
            return d;
        }).collect().asList().map(items -> new Result("text", items))
                .onFailure(TextSearch::textUnavailable).recoverWithUni(t -> {
                    if (((MongoException) t).getCode() != 27) { // 27 IndexNotFound: only this index is missing (still building)
                        storeLacksText = true;
                        LOG.infof("The store does not support $text (%s); text search scans up to %d documents instead",
                                ((MongoException) t).getCode(), config.scanBudget());
                    }
                    return scan(coll, scope, fields, words, limit);
                })
                .onFailure(MongoException.class).transform(DataErrors::translate);
    }

    private static boolean textUnavailable(Throwable t) {
        return t instanceof MongoException m && !(t instanceof MongoSocketException) && !(t instanceof MongoTimeoutException)
                && m.getCode() != 50; // 50: our time limit, a real answer
    }

    private Uni<Result> scan(ReactiveMongoCollection<Document> coll, Document scope, List<String> fields,
            List<String> words, int limit) {
        List<Document> any = new ArrayList<>();
        for (String f : fields) {
            for (String w : words) {
                any.add(new Document(f, new Document("$regex", quote(w)).append("$options", "i")));
            }
        }
        List<Document> pipeline = List.of(
                new Document("$match", scope),
                new Document("$sort", new Document("_id", -1)),
                new Document("$limit", config.scanBudget()),
                new Document("$match", new Document("$or", any)),
                new Document("$limit", limit));
        return coll.aggregate(pipeline, new AggregateOptions().batchSize(limit)
                        .maxTime(data.maxTimeMs(), TimeUnit.MILLISECONDS))
                .collect().asList().map(items -> new Result("scan", items))
                .onFailure(MongoException.class).transform(DataErrors::translate);
    }
}
