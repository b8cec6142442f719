package org.refracturecds.calibration;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Writes a calibration's files into a folder: {@code calibration.json}, {@code calibration.svg},
 * {@code calibration.png} and {@code report.html}.
 *
 * @param written the files written
 * @param problem why the PNG could not be drawn (a JVM without fonts), or null
 */
public record CalibrationFiles(List<Path> written, String problem) {

    /** {@code report.html} alone, its plot inline (the workbench shows it). */
    public static String report(LocalCalibration calibration) {
        return ReportHtml.of(calibration, SvgRenderer.render(CalibrationPlot.of(calibration)));
    }

    public static CalibrationFiles write(Path dir, LocalCalibration calibration) throws IOException {
        Files.createDirectories(dir);
        List<Path> written = new ArrayList<>();
        Drawing plot = CalibrationPlot.of(calibration);
        String svg = SvgRenderer.render(plot);
        written.add(Files.writeString(dir.resolve("calibration.json"), CalibrationJson.of(calibration), StandardCharsets.UTF_8));
        written.add(Files.writeString(dir.resolve("calibration.svg"), svg, StandardCharsets.UTF_8));
        String problem = null;
        try {
            written.add(Files.write(dir.resolve("calibration.png"), PngRenderer.render(plot)));
        } catch (LinkageError | InternalError | java.awt.AWTError e) {
            // Java2D needs fonts (fontconfig) to draw text: a server JVM without them cannot draw the PNG.
            problem = "calibration.png not written: this Java cannot draw text (no fonts were found); install"
                    + " fontconfig and a font such as DejaVu. calibration.svg holds the same plot";
        }
        written.add(Files.writeString(dir.resolve("report.html"), ReportHtml.of(calibration, svg), StandardCharsets.UTF_8));
        return new CalibrationFiles(List.copyOf(written), problem);
    }
}
