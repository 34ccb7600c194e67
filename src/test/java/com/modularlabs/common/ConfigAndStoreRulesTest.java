package com.modularlabs.common;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Source rules of issue 10 ("one way to reach the database", "configuration only through @ConfigMapping, one key
 * per setting"), checked on the sources so a new loose read or a second key fails the build, not a review.
 */
class ConfigAndStoreRulesTest {
    private static final Path MAIN = Path.of("src/main/java");
    /** The one remaining read: the HTTP port Quarkus actually bound (a runtime value, not a setting). */
    private static final List<String> NOT_YET = List.of("com/modularlabs/functions/FunctionService.java");

    @Test
    void everyEnvironmentVariableFeedsOneKey() throws IOException {
        Map<String, Integer> uses = new TreeMap<>();
        Matcher m = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)[:}]").matcher(Files.readString(Path.of("src/main/resources/application.properties")));
        while (m.find()) {
            uses.merge(m.group(1), 1, Integer::sum);
        }
        uses.values().removeIf(n -> n == 1);
        assertEquals(Map.of(), uses, "variables read by more than one key: let the other keys reference the one that reads it");
    }

    @Test
    void configurationIsReadOnlyThroughMappings() throws IOException {
        assertEquals(List.of(), sourcesMatching("@ConfigProperty\\b|ConfigProvider\\.getConfig", NOT_YET),
                "loose config reads: add the key to the feature's @ConfigMapping interface");
    }

    @Test
    void noEntityIsAGlobalDatabaseLocator() throws IOException {
        assertEquals(List.of(), sourcesMatching("extends ReactivePanacheMongoEntity|extends PanacheMongoEntity", List.of()),
                "Panache entities with static mongoDatabase(): use a repository, or store.Database for dynamic collections");
    }

    private static List<String> sourcesMatching(String regex, List<String> except) throws IOException {
        Pattern p = Pattern.compile(regex);
        try (Stream<Path> files = Files.walk(MAIN)) {
            return files.filter(f -> f.toString().endsWith(".java"))
                    .filter(f -> except.stream().noneMatch(e -> MAIN.relativize(f).toString().replace('\\', '/').startsWith(e)))
                    .filter(f -> {
                        try {
                            return p.matcher(Files.readString(f)).find();
                        } catch (IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    })
                    .map(f -> MAIN.relativize(f).toString()).sorted().toList();
        }
    }
}
