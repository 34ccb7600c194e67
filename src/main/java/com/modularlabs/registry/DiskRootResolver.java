package com.modularlabs.registry;

import io.quarkus.arc.DefaultBean;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import java.nio.file.Path;
import org.bson.Document;

@DefaultBean
@ApplicationScoped
public class DiskRootResolver implements RootResolver {
    private final Path experimentsDir;

    public DiskRootResolver(RegistryConfig config) {
        this.experimentsDir = Path.of(config.experimentsDir()).toAbsolutePath().normalize();
    }

    @Override
    public Uni<Path> resolve(String slug, Document config) {
        if (!ManifestValidator.isValidSlug(slug)) { // never a path from an unchecked slug
            return Uni.createFrom().failure(new IllegalArgumentException("not a valid slug: " + slug));
        }
        return Uni.createFrom().item(experimentsDir.resolve(slug));
    }
}
