package com.modularlabs.registry;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Pattern;
import org.bson.Document;

/**
 * Secrets inside experiment configuration values (g.nome's {@code runtime_s3_uri} is a pre-signed URL carrying
 * X-Amz-Signature and X-Amz-Credential) are replaced by {@value #REDACTED} wherever a config leaves the service: the
 * admin API and panel, exports. A saved config that still carries a redacted value keeps the stored secret.
 * The patterns are fixed and linear, over a config bounded by the BSON document size.
 */
public final class ConfigSecrets {
    public static final String REDACTED = "REDACTED";
    /** Query parameters of signed URLs and API keys. */
    static final Pattern SIGNED_PARAM = Pattern.compile(
            "(?i)([?&](?:x-amz-signature|x-amz-credential|x-amz-security-token|signature|sig|awsaccesskeyid|x-goog-signature"
                    + "|x-goog-credential|access_token|token|api_key|apikey|key|password|secret|sv|se)=)[^&#\\s]*");
    /** user:password@ in URLs (mongodb://, https://, ...). */
    static final Pattern USERINFO = Pattern.compile("(?i)\\b([a-z][a-z0-9+.-]*://[^:/@\\s]+:)[^@/\\s]+@");

    private ConfigSecrets() {
    }

    /** Whether a field name says it holds a secret (password, secret, token, private or access key). */
    static boolean secretName(String key) {
        String k = key.toLowerCase(Locale.ROOT);
        return k.contains("password") || k.contains("secret") || k.endsWith("token") || k.contains("private_key")
                || k.contains("api_key") || k.contains("apikey") || k.contains("access_key");
    }

    /** A deep copy of {@code doc} with secrets redacted. */
    public static Document redact(Document doc) {
        Document out = new Document();
        doc.forEach((k, v) -> out.put(k, secretName(k) && v instanceof String s && !s.isEmpty() ? REDACTED : redactValue(v)));
        return out;
    }

    static Object redactValue(Object v) {
        if (v instanceof Document d) {
            return redact(d);
        }
        if (v instanceof Map<?, ?> m) {
            return redact(new Document(castMap(m)));
        }
        if (v instanceof List<?> l) {
            List<Object> out = new ArrayList<>(l.size());
            l.forEach(x -> out.add(redactValue(x)));
            return out;
        }
        if (v instanceof String s && (s.indexOf('=') >= 0 || s.indexOf('@') >= 0)) {
            return USERINFO.matcher(SIGNED_PARAM.matcher(s).replaceAll("$1" + REDACTED)).replaceAll("$1" + REDACTED + "@");
        }
        return v;
    }

    /**
     * {@code edited} (a config an admin saves, read from the redacted view) with every value that is still the
     * redacted form of the stored one replaced by the stored value, so saving never writes "REDACTED" over a secret.
     */
    public static Document restore(Document edited, Document stored) {
        Document out = new Document();
        edited.forEach((k, v) -> {
            Object old = stored == null ? null : stored.get(k);
            if (old == null) {
                out.put(k, v);
            } else if (v instanceof Document d && old instanceof Document o) {
                out.put(k, restore(d, o));
            } else if (v instanceof String s && s.contains(REDACTED) && s.equals(redact(new Document(k, old)).get(k))) {
                out.put(k, old);
            } else {
                out.put(k, v);
            }
        });
        return out;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> castMap(Map<?, ?> m) {
        return (Map<String, Object>) m;
    }
}
