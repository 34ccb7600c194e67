package com.modularlabs.functions;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.net.InetAddress;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The allow-list on URLs, and on the addresses a name resolves to (DNS answers are supplied, not looked up). */
class HostPolicyTest {
    static HostPolicy policy(String... hosts) {
        HostPolicy p = new HostPolicy();
        p.config = (FunctionsConfig) java.lang.reflect.Proxy.newProxyInstance(FunctionsConfig.class.getClassLoader(),
                new Class<?>[] {FunctionsConfig.class}, (proxy, m, args) -> switch (m.getName()) {
                    case "allowedHosts" -> List.of(hosts);
                    case "baseUrls", "engineUrl" -> Optional.empty();
                    default -> Duration.ofSeconds(1);
                });
        return p;
    }

    @Test
    void defaultListTakesLoopbackAndClusterLocalNamesOnly() {
        HostPolicy p = policy("localhost", "127.0.0.1", "::1", "*.svc", "*.svc.cluster.local");
        assertNull(p.checkUrl(URI.create("http://127.0.0.1:8091/deal")));
        assertNull(p.checkUrl(URI.create("http://[::1]:8091/deal")));
        assertNull(p.checkUrl(URI.create("http://LOCALHOST/deal")));
        assertNull(p.checkUrl(URI.create("http://blackjack.labs.svc.cluster.local:8080/deal")));
        assertNull(p.checkUrl(URI.create("https://blackjack.labs.svc/deal")));
        for (String bad : List.of("http://169.254.169.254/latest/meta-data", "http://metadata.google.internal/", "http://example.com/",
                "http://svc/", "http://evil.svc.example.com/", "http://127.0.0.2/", "http://2852039166/", "http://[fe80::1]/",
                "file:///etc/passwd", "gopher://localhost/", "http://user:pw@localhost/")) {
            assertNotNull(p.checkUrl(URI.create(bad)), bad);
        }
    }

    @Test
    void resolvedAddressesAreCheckedToo() throws Exception {
        HostPolicy p = policy("*.svc.cluster.local", "10.0.0.9");
        URI u = URI.create("http://fn.labs.svc.cluster.local/x");
        p.checkAddresses(u, new InetAddress[] {InetAddress.getByAddress("fn.labs.svc.cluster.local", new byte[] {10, 0, 0, 7})});
        for (byte[] bad : List.of(new byte[] {(byte) 169, (byte) 254, (byte) 169, (byte) 254}, new byte[] {0, 0, 0, 0},
                new byte[] {(byte) 224, 0, 0, 1})) {
            HostPolicy.Refused r = assertThrows(HostPolicy.Refused.class, () -> p.checkAddresses(u,
                    new InetAddress[] {InetAddress.getByAddress("fn.labs.svc.cluster.local", new byte[] {10, 0, 0, 7}),
                            InetAddress.getByAddress("fn.labs.svc.cluster.local", bad)}));
            assertEquals("host 'fn.labs.svc.cluster.local' resolves to a refused address", r.getMessage());
        }
        assertThrows(HostPolicy.Refused.class, () -> p.checkAddresses(u, new InetAddress[] {InetAddress.getByName("fe80::1")}));
        // a literal the operator listed passes even if it is unusual
        HostPolicy meta = policy("169.254.10.10");
        meta.checkAddresses(URI.create("http://169.254.10.10/"), new InetAddress[] {InetAddress.getByName("169.254.10.10")});
    }

    @Test
    void aNameThatDoesNotResolveIsRefused() {
        HostPolicy p = policy("*.invalid");
        assertThrows(HostPolicy.Refused.class, () -> p.checkResolved(URI.create("http://nothing-here.invalid/")));
    }
}
