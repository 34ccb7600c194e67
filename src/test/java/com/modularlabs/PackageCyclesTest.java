package com.modularlabs;

import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;

import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import org.junit.jupiter.api.Test;

/**
 * The feature packages (access, auth, data, registry, hosting, ...) form no dependency cycle, read from the
 * compiled classes (imports, fully qualified names and same-package look-alikes all count). When a feature needs
 * something from a package that depends on it, the usual ways out here are an interface the other side implements
 * (registry.QueryCheck, data.WriteHooks, store.IndexContributor) or moving the class to where it belongs.
 */
class PackageCyclesTest {
    @Test
    void noCyclesBetweenPackages() {
        JavaClasses main = new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS)
                .importPackages("com.modularlabs");
        slices().matching("com.modularlabs.(*)..").should().beFreeOfCycles().check(main);
    }
}
