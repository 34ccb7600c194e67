package com.modularlabs.bundle;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class BundleStorageSelectorTest {
    record S3(Optional<String> endpoint, Optional<String> bucket, String region, Optional<String> accessKeyId,
            Optional<String> secretAccessKey) implements BundleConfig.S3 {
    }

    @Test
    void autoPicksS3OnlyWhenABucketIsSet() {
        assertEquals("gridfs", BundleStorageSelector.kind("auto", Optional.empty()));
        assertEquals("gridfs", BundleStorageSelector.kind("auto", Optional.of(" ")));
        assertEquals("s3", BundleStorageSelector.kind("auto", Optional.of("b")));
        assertEquals("gridfs", BundleStorageSelector.kind("gridfs", Optional.of("b")), "explicit gridfs wins");
        assertEquals("s3", BundleStorageSelector.kind("S3", Optional.empty()));
        assertThrows(IllegalStateException.class, () -> BundleStorageSelector.kind("ftp", Optional.empty()));
    }

    @Test
    void missingNamesVariablesNeverValues() {
        S3 none = new S3(Optional.empty(), Optional.empty(), "us-east-1", Optional.empty(), Optional.empty());
        assertEquals(List.of("LABS_S3_BUCKET", "LABS_S3_ENDPOINT", "LABS_S3_ACCESS_KEY_ID", "LABS_S3_SECRET_ACCESS_KEY"),
                BundleStorageSelector.missing(none));
        S3 full = new S3(Optional.of("http://x"), Optional.of("b"), "us-east-1", Optional.of("AKIDEXAMPLE"), Optional.of("top-secret"));
        assertEquals(List.of(), BundleStorageSelector.missing(full));
        assertEquals("AKID****", S3BundleStorage.mask("AKIDEXAMPLE"));
        assertFalse(S3BundleStorage.mask("abc").contains("abc"));
    }
}
