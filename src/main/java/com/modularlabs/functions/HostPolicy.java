package com.modularlabs.functions;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Where functions may live: the operator's allow-list of hosts (exact names, IP literals, "*.suffix"). A manifest
 * cannot point the engine at a metadata endpoint (169.254.169.254) or another internal service. Checked on the
 * URL at load and again at call time on every address the name resolves to: a link-local, wildcard or multicast
 * address is refused unless the operator listed that literal address.
 */
@ApplicationScoped
public class HostPolicy {
    @Inject
    FunctionsConfig config;

    /** Null when the URL may be used; otherwise why not (shown to builders in manifest errors). */
    public String checkUrl(URI uri) {
        String scheme = uri.getScheme() == null ? "" : uri.getScheme().toLowerCase(Locale.ROOT);
        if (!scheme.equals("http") && !scheme.equals("https")) {
            return "must be an http or https URL";
        }
        if (uri.getRawUserInfo() != null) {
            return "must not carry user info";
        }
        String host = host(uri);
        if (host == null || host.isEmpty()) {
            return "has no host";
        }
        if (!allowed(host)) {
            return "host '" + host + "' is not on the operator's allow-list of function hosts (labs.functions.allowed-hosts)";
        }
        return null;
    }

    /**
     * How long a passed address check is trusted without looking again: less than the JDK's own cache of positive
     * lookups (networkaddress.cache.ttl, 30 s), so it hides no DNS change the lookup itself would have seen.
     */
    static final long RECHECK_MILLIS = 10_000;
    private final Map<String, Long> passed = new ConcurrentHashMap<>();

    /** Whether the host's addresses passed {@link #checkResolved} less than {@link #RECHECK_MILLIS} ago (no lookup). */
    public boolean passedRecently(URI uri) {
        Long until = passed.get(String.valueOf(host(uri)));
        return until != null && System.currentTimeMillis() < until;
    }

    /** Blocking DNS lookup: call on a worker. Throws a refusal message when any resolved address is not acceptable. */
    public void checkResolved(URI uri) throws Refused {
        String host = host(uri);
        passed.remove(String.valueOf(host));
        InetAddress[] addresses;
        try {
            addresses = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            throw new Refused("host '" + host + "' does not resolve");
        }
        checkAddresses(uri, addresses);
        if (passed.size() > 10_000) {
            passed.clear();
        }
        passed.put(host, System.currentTimeMillis() + RECHECK_MILLIS);
    }

    /** The check of {@link #checkResolved} on given addresses. */
    void checkAddresses(URI uri, InetAddress[] addresses) throws Refused {
        String host = host(uri);
        for (InetAddress a : addresses) {
            if (listedLiteral(a)) {
                continue;
            }
            if (a.isLinkLocalAddress() || a.isAnyLocalAddress() || a.isMulticastAddress()) {
                throw new Refused("host '" + host + "' resolves to a refused address");
            }
        }
    }

    public static final class Refused extends Exception {
        public Refused(String message) {
            super(message, null, false, false);
        }
    }

    boolean allowed(String host) {
        String h = host.toLowerCase(Locale.ROOT);
        for (String entry : entries()) {
            if (entry.startsWith("*.") ? h.endsWith(entry.substring(1)) && h.length() > entry.length() - 1 : h.equals(entry)) {
                return true;
            }
        }
        return false;
    }

    private boolean listedLiteral(InetAddress a) {
        for (String entry : entries()) {
            if (!entry.startsWith("*.") && (entry.indexOf(':') >= 0 || Character.isDigit(entry.charAt(0)))) {
                try {
                    if (InetAddress.getByName(entry).equals(a)) { // a literal: no lookup happens
                        return true;
                    }
                } catch (UnknownHostException ignored) {
                    // not a literal after all
                }
            }
        }
        return false;
    }

    private List<String> entries() {
        return config.allowedHosts().stream().map(s -> s.trim().toLowerCase(Locale.ROOT)).filter(s -> !s.isEmpty())
                .map(s -> s.startsWith("[") && s.endsWith("]") ? s.substring(1, s.length() - 1) : s).toList();
    }

    static String host(URI uri) {
        String h = uri.getHost();
        if (h != null && h.startsWith("[") && h.endsWith("]")) {
            h = h.substring(1, h.length() - 1);
        }
        return h;
    }
}
