package com.modularlabs.apidoc;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns a manifest's JSON Schema (draft 2020-12 / 7 keywords) into an OpenAPI 3.0 Schema Object, which is a
 * stricter dialect: {@code const} becomes a one-value {@code enum}, a type list with "null" becomes
 * {@code nullable}, numeric {@code exclusiveMinimum/Maximum} become the boolean form, arrays always get
 * {@code items}, and keywords OpenAPI 3.0 does not know ($schema, $id, $defs, $ref into them, if/then/else, ...)
 * are left out, so the document validates and generators accept it. Validation itself stays with the engine.
 */
final class JsonSchemas {
    private static final Set<String> KEPT = Set.of("title", "description", "multipleOf", "maximum", "minimum", "maxLength",
            "minLength", "pattern", "maxItems", "minItems", "uniqueItems", "maxProperties", "minProperties", "required", "enum",
            "format", "default", "readOnly", "writeOnly", "deprecated");

    private JsonSchemas() {
    }

    static Map<String, Object> toOpenApi(Map<?, ?> in) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Map.Entry<?, ?> e : in.entrySet()) {
            String k = String.valueOf(e.getKey());
            Object v = e.getValue();
            switch (k) {
                case "type" -> type(v, out);
                case "const" -> out.put("enum", List.of(v));
                case "examples" -> {
                    if (v instanceof List<?> l && !l.isEmpty()) {
                        out.put("example", l.get(0));
                    }
                }
                case "exclusiveMinimum", "exclusiveMaximum" -> {
                    if (v instanceof Number n) {
                        out.put(k.equals("exclusiveMinimum") ? "minimum" : "maximum", n);
                        out.put(k, true);
                    } else if (v instanceof Boolean b) {
                        out.put(k, b);
                    }
                }
                case "properties" -> {
                    if (v instanceof Map<?, ?> props) {
                        Map<String, Object> p = new LinkedHashMap<>();
                        props.forEach((name, s) -> p.put(String.valueOf(name), sub(s)));
                        out.put(k, p);
                    }
                }
                case "items" -> out.put(k, v instanceof Map<?, ?> ? sub(v) : Map.of()); // tuple form: any item
                case "additionalProperties", "not" -> {
                    if (v instanceof Boolean b && k.equals("additionalProperties")) {
                        out.put(k, b);
                    } else if (v instanceof Map<?, ?>) {
                        out.put(k, sub(v));
                    }
                }
                case "allOf", "anyOf", "oneOf" -> {
                    if (v instanceof List<?> l) {
                        List<Object> subs = new ArrayList<>();
                        l.forEach(s -> subs.add(sub(s)));
                        out.put(k, subs);
                    }
                }
                default -> {
                    if (KEPT.contains(k)) {
                        out.put(k, v);
                    }
                }
            }
        }
        if ("array".equals(out.get("type")) && !out.containsKey("items")) {
            out.put("items", Map.of());
        }
        return out;
    }

    private static Object sub(Object s) {
        return s instanceof Map<?, ?> m ? toOpenApi(m) : Map.of(); // boolean schemas: true = anything
    }

    private static void type(Object v, Map<String, Object> out) {
        if (v instanceof String t) {
            if (!t.equals("null")) {
                out.put("type", t);
            } else {
                out.put("nullable", true);
            }
            return;
        }
        if (v instanceof List<?> types) {
            List<String> real = new ArrayList<>();
            for (Object t : types) {
                if ("null".equals(t)) {
                    out.put("nullable", true);
                } else {
                    real.add(String.valueOf(t));
                }
            }
            if (real.size() == 1) {
                out.put("type", real.get(0));
            } else if (real.size() > 1) {
                List<Object> one = new ArrayList<>();
                real.forEach(t -> one.add(t.equals("array") ? Map.of("type", t, "items", Map.of()) : Map.of("type", t)));
                out.put("oneOf", one);
            }
        }
    }
}
