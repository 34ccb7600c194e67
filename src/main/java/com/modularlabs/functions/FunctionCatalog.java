package com.modularlabs.functions;

import com.modularlabs.common.FieldError;
import com.modularlabs.registry.Experiment;
import com.modularlabs.registry.ManifestExtension;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.bson.Document;

/**
 * The manifest's {@code functions} and per-collection {@code triggers}, parsed into records. They are read from the
 * experiment's config document (kept unchanged in {@link Experiment#config()}) rather than added to the registry's
 * records, so the registry does not depend on this package; parsing is cached per experiment instance (a reload
 * makes new instances). At load, {@link #check} refuses unknown trigger targets and hosts off the allow-list.
 */
@ApplicationScoped
public class FunctionCatalog implements ManifestExtension {
    @Inject
    FunctionsConfig config;
    @Inject
    HostPolicy hosts;

    /** Functions and triggers of one experiment. */
    public record Declared(Map<String, FunctionSpec> functions, Map<String, TriggerSpec> triggers) {
        static final Declared NONE = new Declared(Map.of(), Map.of());
    }

    private record Cached(Experiment experiment, Declared declared) {
    }

    private final Map<String, Cached> cache = new ConcurrentHashMap<>();

    public Declared of(Experiment e) {
        Cached c = cache.get(e.slug());
        if (c == null || c.experiment() != e) {
            c = new Cached(e, parse(e.slug(), e.config()));
            cache.put(e.slug(), c);
        }
        return c.declared();
    }

    public FunctionSpec function(Experiment e, String name) {
        return of(e).functions().get(name);
    }

    public TriggerSpec triggers(Experiment e, String collection) {
        return of(e).triggers().get(collection);
    }

    Declared parse(String slug, Document cfg) {
        Document fns = cfg == null ? null : cfg.get("functions", Document.class);
        Map<String, TriggerSpec> triggers = triggersOf(cfg);
        if ((fns == null || fns.isEmpty()) && triggers.isEmpty()) {
            return Declared.NONE;
        }
        Map<String, FunctionSpec> out = new LinkedHashMap<>();
        if (fns != null) {
            for (Map.Entry<String, Object> f : fns.entrySet()) {
                Document d = (Document) f.getValue();
                Number timeout = d.get("timeout_ms", Number.class);
                Number body = d.get("max_body_bytes", Number.class);
                Duration t = timeout == null ? config.defaultTimeout() : Duration.ofMillis(timeout.longValue());
                if (t.compareTo(config.maxTimeout()) > 0) {
                    t = config.maxTimeout(); // the operator's bound wins over the manifest
                }
                int b = Math.min(body == null ? config.defaultBodyBytes() : body.intValue(), config.maxBodyBytes());
                out.put(f.getKey(), new FunctionSpec(slug, f.getKey(), d.getString("url"), d.get("access", "user"), t, b));
            }
        }
        return new Declared(Map.copyOf(out), triggers);
    }

    private static Map<String, TriggerSpec> triggersOf(Document cfg) {
        Document colls = cfg == null ? null : cfg.get("collections", Document.class);
        if (colls == null) {
            return Map.of();
        }
        Map<String, TriggerSpec> out = new LinkedHashMap<>();
        for (Map.Entry<String, Object> c : colls.entrySet()) {
            if (c.getValue() instanceof Document cd && cd.get("triggers") instanceof Document t) {
                out.put(c.getKey(), new TriggerSpec(c.getKey(), t.getString("before_write"), t.getString("after_write")));
            }
        }
        return Map.copyOf(out);
    }

    @Override
    public List<FieldError> check(String slug, Document cfg) {
        List<FieldError> errors = new ArrayList<>();
        Document fns = cfg.get("functions", Document.class);
        if (fns != null) {
            for (Map.Entry<String, Object> f : fns.entrySet()) {
                String url = ((Document) f.getValue()).getString("url");
                String path = "$.functions." + f.getKey() + ".url";
                if (url == null || url.startsWith("/")) {
                    continue; // a path: the operator's base URL is checked at call time
                }
                try {
                    String why = hosts.checkUrl(new URI(url));
                    if (why != null) {
                        errors.add(new FieldError(path, why));
                    }
                } catch (URISyntaxException bad) {
                    errors.add(new FieldError(path, "not a valid URL"));
                }
            }
        }
        for (TriggerSpec t : triggersOf(cfg).values()) {
            for (String[] target : new String[][] {{"before_write", t.beforeWrite()}, {"after_write", t.afterWrite()}}) {
                if (target[1] != null && (fns == null || !fns.containsKey(target[1]))) {
                    errors.add(new FieldError("$.collections." + t.collection() + ".triggers." + target[0],
                            "function '" + target[1] + "' is not declared in functions"));
                }
            }
        }
        return errors;
    }
}
