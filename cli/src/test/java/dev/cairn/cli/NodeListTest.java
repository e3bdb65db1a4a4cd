package dev.cairn.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Nodes are listed by name in natural order (node-2 before node-10), in cluster status by zone then name. */
class NodeListTest {
    private static final Pattern WORDS = Pattern.compile(" +");
    private CliFixture controller;

    @BeforeEach
    void elevenNodes(@TempDir Path dir) throws Exception {
        controller = new CliFixture(dir);
        for (int i = 1; i <= 11; i++) {
            controller.addNode(i % 2 == 0 ? "b" : "a"); // node-1 in a, node-2 in b, ...
        }
    }

    @AfterEach
    void stop() {
        controller.close();
    }

    private static List<String> firstWords(String table, int skip) {
        return table.lines().skip(skip).map(l -> WORDS.split(l, 2)[0]).toList();
    }

    @Test
    void nodeListSortsByNameWithNumbersInOrder() {
        String table = controller.cli("node", "list");
        assertThat(table.lines().findFirst().orElseThrow()).startsWith("NAME  ").doesNotContain("ID");
        assertThat(firstWords(table, 1))
                .containsExactly(
                        "node-1", "node-2", "node-3", "node-4", "node-5", "node-6", "node-7", "node-8", "node-9",
                        "node-10", "node-11");
        assertThat(controller.cli("node", "list", "--wide").lines().findFirst().orElseThrow())
                .endsWith("  ID");
    }

    @Test
    void clusterStatusListsNodesByZoneThenName() {
        List<String> rows = controller
                .cli("cluster", "status")
                .lines()
                .filter(l -> l.matches("^[ab] +node-\\d+ .*"))
                .map(l -> String.join("/", List.of(WORDS.split(l, 3)).subList(0, 2)))
                .toList();
        assertThat(rows)
                .containsExactly(
                        "a/node-1",
                        "a/node-3",
                        "a/node-5",
                        "a/node-7",
                        "a/node-9",
                        "a/node-11",
                        "b/node-2",
                        "b/node-4",
                        "b/node-6",
                        "b/node-8",
                        "b/node-10");
    }
}
