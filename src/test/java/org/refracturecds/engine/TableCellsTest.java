package org.refracturecds.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import org.drools.decisiontable.InputType;
import org.drools.decisiontable.SpreadsheetCompiler;
import org.junit.jupiter.api.Test;

/** Where a table file's rules stand, read from its cells, against the rules Drools generates from it. */
class TableCellsTest {

    private static final Pattern RULE = Pattern.compile("(?m)^rule \"(\\w+)_(\\d+)\"");

    @Test
    void everyBundledTable_hasTheRuleRowsDroolsGenerates() throws IOException {
        try (Stream<Path> files = Files.list(Path.of("rules"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".drl.csv")).sorted().toList()) {
                assertSameRows(file.getFileName().toString(), Files.readAllBytes(file));
            }
        }
    }

    @Test
    void anEmptyFirstRowUnderTheColumnNames_isARuleAsDroolsMakesIt_andTheRowsAfterItToo() throws IOException {
        String bands = Files.readString(Path.of("rules/bands.drl.csv"));
        String names = "Band code";
        int after = bands.indexOf('\n', bands.indexOf("\n" + names)) + 1;

        assertSameRows("bands.drl.csv", (bands.substring(0, after) + ",,,,,\n" + bands.substring(after))
                .getBytes(StandardCharsets.UTF_8));
    }

    /** The rules TableCells finds in a table file, by table and row, are those Drools generates from it. */
    private static void assertSameRows(String name, byte[] bytes) {
        List<String> read = new ArrayList<>();
        TableCells.read(name, bytes).orElseThrow().tables()
                .forEach(t -> t.ruleRows().forEach(row -> read.add(t.name() + "_" + row)));

        String drl = new SpreadsheetCompiler().compile(new ByteArrayInputStream(bytes), InputType.CSV);
        List<String> generated = new ArrayList<>();
        Matcher rule = RULE.matcher(drl);
        while (rule.find()) {
            generated.add(rule.group(1) + "_" + rule.group(2));
        }
        assertFalse(generated.isEmpty(), name);
        assertEquals(generated, read, name);
    }
}
