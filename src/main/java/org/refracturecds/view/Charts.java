package org.refracturecds.view;

import java.util.List;
import java.util.Locale;

import org.refracturecds.http.BidiMarks;

/**
 * The page's charts as SVG, drawn on the server: no script, nothing fetched, printable. Each chart
 * is an image with a label that says what it shows; the page gives each one as a table too. Colours
 * come from the page's style sheet (classes {@code band-low}, {@code band-moderate},
 * {@code band-high}), so the text on them keeps its contrast.
 */
final class Charts {

    /** Where the probability axes put ticks, on the log-odds scale. */
    private static final double[] TICKS = {0.001, 0.01, 0.05, 0.2, 0.5, 0.8, 0.95, 0.99};

    private Charts() {
    }

    /** The technique picture: one cell per NPEC pattern and reduction rate, the patient's cells outlined. */
    static String grid(PageData.Grid grid, String level) {
        int label = 320;
        int cellW = 58;
        int cellH = 40;
        int top = 34;
        int width = label + cellW * grid.columns().size() + 10;
        int height = top + cellH * grid.rows().size() + 8;
        StringBuilder svg = open(width, height, "Refracture risk at " + level + " by cement contact and reduction rate"
                + (grid.title() == null ? "" : ", " + grid.title()) + "; outlined: this patient's cells");
        for (int c = 0; c < grid.columns().size(); c++) {
            text(svg, label + cellW * c + cellW / 2.0, top - 12, "middle", "axis", grid.columns().get(c));
        }
        text(svg, label - 8, top - 12, "end", "axis", "RR (pp)");
        for (int r = 0; r < grid.rows().size(); r++) {
            PageData.GridRow row = grid.rows().get(r);
            double y = top + cellH * r;
            text(svg, label - 8, y + cellH / 2.0 + 5, "end", "label", row.label());
            for (int c = 0; c < row.cells().size(); c++) {
                PageData.Cell cell = row.cells().get(c);
                double x = label + cellW * c;
                svg.append("<rect x=\"").append(n(x + 1)).append("\" y=\"").append(n(y + 1)).append("\" width=\"")
                        .append(cellW - 2).append("\" height=\"").append(cellH - 2).append("\" class=\"band-")
                        .append(cell.band() == null ? "none" : cell.band()).append(cell.mark() == null ? "" : " marked")
                        .append("\"><title>").append(escape(row.label() + ", RR " + grid.columns().get(c) + " pp: "
                                + cell.text() + (cell.mark() == null ? "" : " (" + cell.mark() + ")"))).append("</title></rect>");
                text(svg, x + cellW / 2.0, y + cellH / 2.0 + 5, "middle", cell.mark() == null ? "value" : "value strong", cell.text());
            }
        }
        return svg.append("</svg>").toString();
    }

    /** One prediction's log-odds: the starting point, then each factor's step, to the estimate. */
    static String waterfall(PageData.Waterfall w, String level) {
        int label = 280;
        int plot = 380;
        int rowH = 30;
        int top = 30;
        List<PageData.Step> steps = w.steps();
        double lo = w.start();
        double hi = w.start();
        double at = w.start();
        for (PageData.Step s : steps) {
            at += s.contribution();
            lo = Math.min(lo, at);
            hi = Math.max(hi, at);
        }
        lo = Math.min(lo, logit(0.001)) - 0.3;
        hi = Math.max(hi, logit(0.5)) + 0.3;
        int rows = steps.size() + 2;
        int height = top + rowH * rows + 10;
        StringBuilder svg = open(label + plot + 70, height, "How each factor moves the log-odds of refracture at " + level
                + ", " + w.title() + ": from the starting point to " + w.probability());
        axis(svg, label, plot, top, height - 10, lo, hi);
        double from = w.start();
        text(svg, label - 8, top + rowH * 0.5 + 5, "end", "label", "Starting point (no factor)");
        dot(svg, x(from, lo, hi, label, plot), top + rowH * 0.5, "start");
        for (int i = 0; i < steps.size(); i++) {
            PageData.Step s = steps.get(i);
            double y = top + rowH * (i + 1.5);
            double to = from + s.contribution();
            text(svg, label - 8, y + 5, "end", "label", s.value());
            double x1 = x(Math.min(from, to), lo, hi, label, plot);
            double x2 = x(Math.max(from, to), lo, hi, label, plot);
            svg.append("<rect x=\"").append(n(x1)).append("\" y=\"").append(n(y - 9)).append("\" width=\"")
                    .append(n(Math.max(1.5, x2 - x1))).append("\" height=\"18\" class=\"")
                    .append(s.contribution() > 0 ? "up" : s.contribution() < 0 ? "down" : "zero").append("\"><title>")
                    .append(escape(s.value() + ": " + s.contributionText() + " (odds ratio " + s.oddsRatio() + ")"))
                    .append("</title></rect>");
            text(svg, x2 + 6, y + 5, "start", "value", s.contributionText());
            from = to;
        }
        double y = top + rowH * (steps.size() + 1.5);
        text(svg, label - 8, y + 5, "end", "label strong", "Estimate");
        dot(svg, x(w.logit(), lo, hi, label, plot), y, "estimate");
        text(svg, x(w.logit(), lo, hi, label, plot) + 10, y + 5, "start", "value strong",
                w.probability().replaceAll(" \\(.*", ""));
        return svg.append("</svg>").toString();
    }

    /** The estimate with its approximate interval, and the estimates under each alternative reconstruction. */
    static String forest(PageData.Forest f, String level) {
        int label = 440;
        int plot = 300;
        int rowH = 30;
        int top = 30;
        double lo = logit(0.001) - 0.3;
        double hi = logit(0.99) + 0.3;
        int height = top + rowH * f.rows().size() + 10;
        StringBuilder svg = open(label + plot + 20, height, "Refracture risk at " + level + ", " + f.title()
                + ", with its approximate interval and under each alternative reconstruction of the model");
        axis(svg, label, plot, top, height - 10, lo, hi);
        for (int i = 0; i < f.rows().size(); i++) {
            PageData.ForestRow row = f.rows().get(i);
            double y = top + rowH * (i + 0.5);
            text(svg, label - 8, y + 5, "end", "label", row.label());
            if (row.low() != null) {
                svg.append("<line x1=\"").append(n(x(logit(row.low()), lo, hi, label, plot))).append("\" x2=\"")
                        .append(n(x(logit(row.high()), lo, hi, label, plot))).append("\" y1=\"").append(n(y))
                        .append("\" y2=\"").append(n(y)).append("\" class=\"interval\"/>");
            }
            dot(svg, x(logit(row.probability()), lo, hi, label, plot), y, "band-" + (row.band() == null ? "none" : row.band())
                    + (row.low() == null ? " alternative" : " estimate"));
        }
        return svg.append("</svg>").toString();
    }

    private static void axis(StringBuilder svg, int label, int plot, int top, int bottom, double lo, double hi) {
        for (double p : TICKS) {
            double x = x(logit(p), lo, hi, label, plot);
            svg.append("<line x1=\"").append(n(x)).append("\" x2=\"").append(n(x)).append("\" y1=\"").append(top - 6)
                    .append("\" y2=\"").append(bottom).append("\" class=\"tick\"/>");
            text(svg, x, top - 12, "middle", "axis", percent(p));
        }
    }

    private static void dot(StringBuilder svg, double x, double y, String css) {
        svg.append("<circle cx=\"").append(n(x)).append("\" cy=\"").append(n(y)).append("\" r=\"7\" class=\"")
                .append(css).append("\"/>");
    }

    private static StringBuilder open(int width, int height, String label) {
        return new StringBuilder(4096).append("<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 ").append(width)
                .append(' ').append(height).append("\" role=\"img\" aria-label=\"").append(escape(label))
                .append("\" preserveAspectRatio=\"xMinYMin meet\">");
    }

    private static void text(StringBuilder svg, double x, double y, String anchor, String css, String text) {
        svg.append("<text x=\"").append(n(x)).append("\" y=\"").append(n(y)).append("\" text-anchor=\"").append(anchor)
                .append("\" class=\"").append(css).append("\">").append(escape(text)).append("</text>");
    }

    private static double x(double logit, double lo, double hi, int left, int width) {
        return left + (logit - lo) / (hi - lo) * width;
    }

    static double logit(double p) {
        double q = Math.min(Math.max(p, 1e-6), 1 - 1e-6);
        return Math.log(q / (1 - q));
    }

    private static String percent(double p) {
        double v = p * 100;
        return (v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v)) + "%";
    }

    private static String n(double value) {
        return String.format(Locale.ROOT, "%.1f", value);
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        String shown = BidiMarks.dropped(text);
        StringBuilder out = new StringBuilder(shown.length() + 16);
        for (int i = 0; i < shown.length(); i++) {
            char c = shown.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }
}
