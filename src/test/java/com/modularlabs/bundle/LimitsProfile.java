package com.modularlabs.bundle;

import io.quarkus.test.junit.QuarkusTestProfile;
import java.util.Map;

/** Small limits so "too big" archives stay small in tests (the defaults are checked by the same code). */
public class LimitsProfile implements QuarkusTestProfile {
    @Override
    public Map<String, String> getConfigOverrides() {
        return Map.of("labs.bundle.max-upload-bytes", "2097152", "labs.bundle.max-unpacked-bytes", "4194304",
                "labs.bundle.max-entries", "50", "labs.bundle.ratio-min-bytes", "65536");
    }
}
