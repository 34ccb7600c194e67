package com.modularlabs.auth;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** CIDR and address parsing of LABS_TRUSTED_PROXIES and X-Forwarded-For hops (no DNS, ever). */
class ProxyTrustUnitTest {
    @Test
    void cidrRangesMatchTheirAddressesOnly() {
        ProxyTrust.Cidr ten = ProxyTrust.parseCidr("10.1.0.0/16");
        assertTrue(ten.contains(ProxyTrust.literal("10.1.255.3")));
        assertFalse(ten.contains(ProxyTrust.literal("10.2.0.1")));
        ProxyTrust.Cidr odd = ProxyTrust.parseCidr("192.168.4.0/22");
        assertTrue(odd.contains(ProxyTrust.literal("192.168.7.255")));
        assertFalse(odd.contains(ProxyTrust.literal("192.168.8.0")));
        ProxyTrust.Cidr v6 = ProxyTrust.parseCidr("fd00::/8");
        assertTrue(v6.contains(ProxyTrust.literal("fd12:3456::1")));
        assertFalse(v6.contains(ProxyTrust.literal("10.1.0.1")));
        assertTrue(ProxyTrust.parseCidr("127.0.0.1").contains(ProxyTrust.literal("::ffff:127.0.0.1")));
    }

    @Test
    void hostNamesPortsAndGarbageAreNoLookups() {
        assertNull(ProxyTrust.literal("evil.example"));
        assertNull(ProxyTrust.literal("localhost"));
        assertNull(ProxyTrust.literal("1.2.3"));
        assertNull(ProxyTrust.literal("unknown"));
        assertNull(ProxyTrust.parseCidr("10.0.0.0/33"));
        assertNull(ProxyTrust.parseCidr("ingress.local"));
        assertArrayEquals(new byte[] {1, 2, 3, 4}, ProxyTrust.literal("1.2.3.4:5678"));
        assertArrayEquals(ProxyTrust.literal("::1"), ProxyTrust.literal("[::1]:443"));
    }
}
