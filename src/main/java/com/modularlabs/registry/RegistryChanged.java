package com.modularlabs.registry;

/** Fired (synchronously) after a new registry snapshot has been swapped in; caches listen and drop entries. */
public record RegistryChanged(RegistrySnapshot snapshot) {
}
