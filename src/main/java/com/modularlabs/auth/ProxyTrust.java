package com.modularlabs.auth;

import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.net.SocketAddress;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.inject.Inject;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;
import org.jboss.logging.Logger;

/**
 * Who the client is and whether it came over HTTPS, for the login throttle, the Secure cookie flag and HSTS.
 * X-Forwarded-For is a list each proxy appends to, so only its right end is trustworthy: starting from the TCP
 * peer, hops are skipped from the right while they are trusted proxies (LABS_TRUSTED_PROXIES, addresses or CIDR
 * ranges, LABS_TRUST_PROXY=true); the first untrusted one is the client. The client-written left-most entry is
 * never used unless every hop after it is a trusted proxy. Reads the real socket peer (connection()), not the
 * address Quarkus' own forwarding rewrites from the left-most entry.
 */
@ApplicationScoped
public class ProxyTrust {
    private static final Logger LOG = Logger.getLogger(ProxyTrust.class);
    /** Only literals ever reach InetAddress (no DNS lookups of header content). */
    private static final Pattern LITERAL = Pattern.compile("^[0-9A-Fa-f:.]{2,45}$");

    record Cidr(byte[] net, int bits) {
        boolean contains(byte[] a) {
            if (a.length != net.length) {
                return false;
            }
            int full = bits / 8;
            for (int i = 0; i < full; i++) {
                if (a[i] != net[i]) {
                    return false;
                }
            }
            int rest = bits % 8;
            if (rest == 0) {
                return true;
            }
            int mask = (0xff << (8 - rest)) & 0xff;
            return (a[full] & mask) == (net[full] & mask);
        }
    }

    private final List<Cidr> trusted = new ArrayList<>();
    private final boolean trustProxy;
    private final boolean publicHttps;

    @Inject
    public ProxyTrust(AuthConfig config) {
        trustProxy = config.trustProxy();
        publicHttps = config.publicBaseUrl().map(u -> u.trim().regionMatches(true, 0, "https://", 0, 8)).orElse(false);
        for (String raw : config.trustedProxies()) {
            Cidr c = parseCidr(raw.trim());
            if (c == null) {
                LOG.warnf("LABS_TRUSTED_PROXIES: ignoring '%s' (not an IP address or CIDR range)", raw);
            } else {
                trusted.add(c);
            }
        }
    }

    static Cidr parseCidr(String s) {
        int slash = s.indexOf('/');
        byte[] a = literal(slash < 0 ? s : s.substring(0, slash));
        if (a == null) {
            return null;
        }
        int bits = a.length * 8;
        if (slash >= 0) {
            try {
                bits = Integer.parseInt(s.substring(slash + 1));
            } catch (NumberFormatException e) {
                return null;
            }
            if (bits < 0 || bits > a.length * 8) {
                return null;
            }
        }
        return new Cidr(a, bits);
    }

    /** The bytes of an IPv4/IPv6 literal (brackets and a ":port" tolerated), or null. */
    static byte[] literal(String s) {
        if (s == null) {
            return null;
        }
        String x = s.trim();
        if (x.startsWith("[")) {
            int end = x.indexOf(']');
            x = end < 0 ? x : x.substring(1, end);
        } else if (x.indexOf(':') > 0 && x.indexOf(':') == x.lastIndexOf(':') && x.indexOf('.') > 0) {
            x = x.substring(0, x.indexOf(':')); // 1.2.3.4:5678
        }
        if (!LITERAL.matcher(x).matches() || (x.indexOf(':') < 0 && x.chars().filter(c -> c == '.').count() != 3)) {
            return null;
        }
        try {
            byte[] a = InetAddress.getByName(x).getAddress();
            return a.length == 16 && isMappedV4(a) ? java.util.Arrays.copyOfRange(a, 12, 16) : a;
        } catch (UnknownHostException | SecurityException e) {
            return null;
        }
    }

    private static boolean isMappedV4(byte[] a) {
        for (int i = 0; i < 10; i++) {
            if (a[i] != 0) {
                return false;
            }
        }
        return (a[10] & 0xff) == 0xff && (a[11] & 0xff) == 0xff;
    }

    boolean isTrusted(String address) {
        byte[] a = literal(address);
        return a != null && trusted.stream().anyMatch(c -> c.contains(a));
    }

    private static String peer(HttpServerRequest req) {
        SocketAddress a = req.connection() != null ? req.connection().remoteAddress() : req.remoteAddress();
        return a == null || a.hostAddress() == null ? "unknown" : a.hostAddress();
    }

    /** The forwarded headers count only when proxy trust is on and the TCP peer is a trusted proxy. */
    private boolean fromTrustedProxy(HttpServerRequest req) {
        return trustProxy && isTrusted(peer(req));
    }

    /** The client's address: the right-most X-Forwarded-For hop that is not a trusted proxy (or the TCP peer). */
    public String clientAddress(HttpServerRequest req) {
        String client = peer(req);
        if (!fromTrustedProxy(req)) {
            return canonical(client);
        }
        List<String> hops = new ArrayList<>();
        for (String h : req.headers().getAll("X-Forwarded-For")) {
            for (String part : h.split(",")) {
                if (!part.isBlank()) {
                    hops.add(part.trim());
                }
            }
        }
        for (int i = hops.size() - 1; i >= 0; i--) {
            client = hops.get(i);
            if (!isTrusted(client)) {
                break;
            }
        }
        return canonical(client);
    }

    private static String canonical(String address) {
        byte[] a = literal(address);
        if (a == null) {
            return address.length() > 64 ? address.substring(0, 64) : address;
        }
        try {
            return InetAddress.getByAddress(a).getHostAddress();
        } catch (UnknownHostException e) {
            return address;
        }
    }

    /** HTTPS as the browser sees it: TLS here, X-Forwarded-Proto https from a trusted proxy, or an https public URL. */
    public boolean https(HttpServerRequest req) {
        if (publicHttps || req.isSSL()) {
            return true;
        }
        if (!fromTrustedProxy(req)) {
            return false;
        }
        List<String> protos = new ArrayList<>();
        for (String h : req.headers().getAll("X-Forwarded-Proto")) {
            for (String part : h.split(",")) {
                protos.add(part.trim());
            }
        }
        return !protos.isEmpty() && protos.get(protos.size() - 1).equalsIgnoreCase("https");
    }
}
