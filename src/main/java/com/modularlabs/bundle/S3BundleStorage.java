package com.modularlabs.bundle;

import com.modularlabs.common.Workers;
import jakarta.annotation.PreDestroy;
import jakarta.enterprise.context.ApplicationScoped;
import jakarta.enterprise.inject.Typed;
import jakarta.inject.Inject;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.file.Path;
import org.jboss.logging.Logger;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.AwsCredentialsProvider;
import software.amazon.awssdk.auth.credentials.DefaultCredentialsProvider;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.core.checksums.RequestChecksumCalculation;
import software.amazon.awssdk.core.checksums.ResponseChecksumValidation;
import software.amazon.awssdk.core.exception.SdkException;
import software.amazon.awssdk.core.sync.RequestBody;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.s3.S3Client;
import software.amazon.awssdk.services.s3.S3Configuration;
import software.amazon.awssdk.services.s3.model.NoSuchKeyException;
import software.amazon.awssdk.services.s3.model.S3Exception;

/**
 * S3-compatible storage (AWS S3, Backblaze B2, MinIO, ...) in one bucket, the key being the object key. Path-style
 * requests to the configured endpoint, static credentials. Blocking SDK calls on the JDK HTTP client: callers are on
 * worker threads. Streams both ways: a put sends the file, open returns the response body stream.
 */
@ApplicationScoped
@Typed(S3BundleStorage.class)
public class S3BundleStorage implements BundleStorage {
    private static final Logger LOG = Logger.getLogger(S3BundleStorage.class);

    @Inject
    BundleConfig config;
    @Inject
    BundlePaths paths;

    private volatile S3Client client;
    private String bucket;

    /** Builds the client on first use: beans of the unselected storage are never created. */
    private S3Client client() {
        S3Client c = client;
        if (c == null) {
            synchronized (this) {
                if (client == null) {
                    BundleConfig.S3 s3 = config.s3();
                    bucket = s3.bucket().filter(b -> !b.isBlank())
                            .orElseThrow(() -> new IllegalStateException("S3 bundle storage needs LABS_S3_BUCKET"));
                    client = build(s3);
                    // the secret key is never logged
                    LOG.infof("Bundle storage: S3 bucket %s at %s (region %s, access key id %s)", bucket,
                            s3.endpoint().orElse("the AWS default endpoint"), s3.region(),
                            s3.accessKeyId().map(S3BundleStorage::mask).orElse("from the default chain"));
                }
                c = client;
            }
        }
        return c;
    }

    static S3Client build(BundleConfig.S3 s3) {
        AwsCredentialsProvider creds = s3.accessKeyId().filter(k -> !k.isBlank()).isPresent()
                && s3.secretAccessKey().filter(k -> !k.isBlank()).isPresent()
                        ? StaticCredentialsProvider.create(AwsBasicCredentials.create(s3.accessKeyId().get(), s3.secretAccessKey().get()))
                        : DefaultCredentialsProvider.builder().build();
        var b = S3Client.builder()
                .httpClient(UrlConnectionHttpClient.builder().build())
                .region(Region.of(s3.region()))
                .credentialsProvider(creds)
                // path-style URLs, and no aws-chunked framing of signed payloads (plain-HTTP endpoints): S3-compatible
                // stores do not all decode it
                .serviceConfiguration(S3Configuration.builder().pathStyleAccessEnabled(true).chunkedEncodingEnabled(false).build())
                // no trailing CRC checksums (SDK default since 2.30, sent as aws-chunked): likewise
                .requestChecksumCalculation(RequestChecksumCalculation.WHEN_REQUIRED)
                .responseChecksumValidation(ResponseChecksumValidation.WHEN_REQUIRED);
        s3.endpoint().filter(e -> !e.isBlank()).ifPresent(e -> b.endpointOverride(URI.create(e)));
        return b.build();
    }

    static String mask(String keyId) {
        return keyId.length() <= 4 ? "****" : keyId.substring(0, 4) + "****";
    }

    /** Staged in a temp file: one PutObject needs the length up front (see {@link StagedUpload}). */
    @Override
    public Upload upload(String key) throws IOException {
        Workers.assertNotOnEventLoop("S3 upload");
        return new StagedUpload(this, key, paths.newTemp(".upload"));
    }

    @Override
    public String put(String key, Path file) throws IOException {
        Workers.assertNotOnEventLoop("S3 upload");
        S3Client c = client();
        try {
            c.putObject(r -> r.bucket(bucket).key(key).contentType("application/zip"), RequestBody.fromFile(file));
        } catch (SdkException e) {
            throw new IOException("S3 upload of " + key + " failed: " + e.getMessage(), e);
        }
        return key;
    }

    @Override
    public InputStream open(String key) throws IOException {
        Workers.assertNotOnEventLoop("S3 download");
        S3Client c = client();
        try {
            return c.getObject(r -> r.bucket(bucket).key(key));
        } catch (NoSuchKeyException e) {
            throw new FileNotFoundException(key);
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                throw new FileNotFoundException(key);
            }
            throw new IOException("S3 download of " + key + " failed: " + e.getMessage(), e);
        } catch (SdkException e) {
            throw new IOException("S3 download of " + key + " failed: " + e.getMessage(), e);
        }
    }

    @Override
    public long size(String key) {
        Workers.assertNotOnEventLoop("S3 HEAD");
        S3Client c = client();
        try {
            return c.headObject(r -> r.bucket(bucket).key(key)).contentLength();
        } catch (NoSuchKeyException e) {
            return -1;
        } catch (S3Exception e) {
            if (e.statusCode() == 404) {
                return -1;
            }
            throw e;
        }
    }

    @Override
    public void delete(String key) {
        Workers.assertNotOnEventLoop("S3 delete");
        client().deleteObject(r -> r.bucket(bucket).key(key));
    }

    @PreDestroy
    void close() {
        S3Client c = client;
        if (c != null) {
            c.close();
        }
    }

    @Override
    public java.util.List<Stored> list(String prefix) {
        java.util.List<Stored> out = new java.util.ArrayList<>();
        client().listObjectsV2Paginator(r -> r.bucket(bucket).prefix(prefix)).contents()
                .forEach(o -> out.add(new Stored(o.key(), o.lastModified())));
        return out;
    }
}
