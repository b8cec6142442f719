package org.refracturecds.engine;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.drools.decisiontable.parser.csv.CsvLineParser;

/** Writes a .drl.csv decision table as the .drl.xlsx a clinician would save from a spreadsheet program. */
final class Spreadsheets {

    private Spreadsheets() {
    }

    static byte[] xlsxOf(Path csv) throws IOException {
        try (XSSFWorkbook workbook = new XSSFWorkbook(); ByteArrayOutputStream bytes = new ByteArrayOutputStream()) {
            Sheet sheet = workbook.createSheet("Tables");
            List<String> lines = Files.readAllLines(csv);
            CsvLineParser parser = new CsvLineParser();
            for (int r = 0; r < lines.size(); r++) {
                Row row = sheet.createRow(r);
                List<String> cells = parser.parse(lines.get(r));
                for (int c = 0; c < cells.size(); c++) {
                    if (!cells.get(c).isEmpty()) {
                        row.createCell(c).setCellValue(cells.get(c));
                    }
                }
            }
            workbook.write(bytes);
            return bytes.toByteArray();
        }
    }
}
