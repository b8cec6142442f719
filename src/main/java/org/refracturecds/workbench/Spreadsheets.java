package org.refracturecds.workbench;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;

import org.apache.poi.ss.usermodel.CellStyle;
import org.apache.poi.ss.usermodel.DataFormatter;
import org.apache.poi.ss.usermodel.FillPatternType;
import org.apache.poi.ss.usermodel.IndexedColors;
import org.apache.poi.ss.usermodel.Row;
import org.apache.poi.ss.usermodel.Sheet;
import org.apache.poi.ss.usermodel.Workbook;
import org.apache.poi.xssf.usermodel.XSSFWorkbook;
import org.refracturecds.http.HttpError;

/**
 * A decision table file as an Excel workbook (.xlsx, Apache POI) and back: one sheet, one cell
 * per cell of the file, every cell text, so that "0.20" comes back as "0.20"; the locked cells
 * grey. What comes back goes through the same checks as an edit in the grid.
 */
final class Spreadsheets {

    private Spreadsheets() {
    }

    static byte[] xlsx(String path, List<List<String>> rows) throws IOException {
        try (Workbook book = new XSSFWorkbook(); ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            Sheet sheet = book.createSheet(path.replace(".drl.csv", ""));
            CellStyle text = book.createCellStyle();
            text.setDataFormat(book.createDataFormat().getFormat("@"));
            CellStyle locked = book.createCellStyle();
            locked.cloneStyleFrom(text);
            locked.setFillForegroundColor(IndexedColors.GREY_25_PERCENT.getIndex());
            locked.setFillPattern(FillPatternType.SOLID_FOREGROUND);
            List<RuleGrid.Table> tables = RuleGrid.tables(rows);
            for (int r = 0; r < rows.size(); r++) {
                Row row = sheet.createRow(r);
                int number = r + 1;
                RuleGrid.Table table = tables.stream().filter(t -> number >= t.firstRow() && number <= t.lastRow())
                        .findFirst().orElse(null);
                List<String> cells = rows.get(r);
                for (int c = 0; c < cells.size(); c++) {
                    int column = c + 1;
                    boolean editable = table != null && table.columns().stream().anyMatch(k -> k.index() == column && k.editable());
                    var cell = row.createCell(c);
                    cell.setCellValue(cells.get(c));
                    cell.setCellStyle(editable ? text : locked);
                }
            }
            book.write(out);
            return out.toByteArray();
        }
    }

    /**
     * The rows of an uploaded workbook's first sheet, shaped as {@code like} (the file it replaces):
     * as many rows, each with as many cells, any further cell or row that is empty dropped.
     */
    static List<List<String>> rows(InputStream xlsx, List<List<String>> like) {
        DataFormatter formatter = new DataFormatter();
        List<List<String>> rows = new ArrayList<>();
        try (Workbook book = new XSSFWorkbook(xlsx)) {
            Sheet sheet = book.getSheetAt(0);
            int last = Math.max(sheet.getLastRowNum() + 1, like.size());
            for (int r = 0; r < last; r++) {
                Row row = sheet.getRow(r);
                int width = Math.max(r < like.size() ? like.get(r).size() : 0, row == null ? 0 : row.getLastCellNum());
                List<String> cells = new ArrayList<>();
                for (int c = 0; c < width; c++) {
                    cells.add(row == null || row.getCell(c) == null ? "" : formatter.formatCellValue(row.getCell(c)));
                }
                int keep = r < like.size() ? like.get(r).size() : 0;
                while (cells.size() > keep && cells.get(cells.size() - 1).isEmpty()) {
                    cells.remove(cells.size() - 1);
                }
                if (r >= like.size() && cells.isEmpty()) {
                    continue;
                }
                rows.add(cells);
            }
        } catch (IOException | RuntimeException e) {
            throw new HttpError(400, "PVP-H827", "file", "the upload is not an Excel workbook (.xlsx) that can be read: "
                    + "save it as .xlsx and upload it again");
        }
        return rows;
    }
}
