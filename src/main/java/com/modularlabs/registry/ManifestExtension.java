package com.modularlabs.registry;

import com.modularlabs.common.FieldError;
import java.util.List;
import org.bson.Document;

/**
 * Extra checks of a schema-valid manifest by a feature package (e.g. functions: allowed hosts, trigger targets),
 * run by {@link ManifestParser} at load so a bad manifest is refused with the same field errors as any other;
 * lets features read their own manifest keys without the registry depending on them.
 */
public interface ManifestExtension {
    List<FieldError> check(String slug, Document cfg);
}
