package org.refracturecds.calibration;

import java.util.Locale;

/** A {@link Drawing} as SVG 1.1 text, written from code. */
final class SvgRenderer {

    private SvgRenderer() {
    }

    static String render(Drawing d) {
        StringBuilder svg = new StringBuilder();
        svg.append("<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"").append(d.width).append("\" height=\"")
                .append(d.height).append("\" viewBox=\"0 0 ").append(d.width).append(' ').append(d.height)
                .append("\" role=\"img\" aria-label=\"").append(escape(d.title)).append("\" font-family=\"sans-serif\">\n");
        svg.append("<title>").append(escape(d.title)).append("</title>\n");
        svg.append("<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        for (Drawing.Shape shape : d.shapes) {
            if (shape instanceof Drawing.Line l) {
                svg.append("<line x1=\"").append(n(l.x1())).append("\" y1=\"").append(n(l.y1()))
                        .append("\" x2=\"").append(n(l.x2())).append("\" y2=\"").append(n(l.y2())).append("\" stroke=\"")
                        .append(l.colour()).append("\" stroke-width=\"").append(n(l.width())).append('"')
                        .append(l.dashed() ? " stroke-dasharray=\"6 4\"" : "").append("/>\n");
            } else if (shape instanceof Drawing.Polyline p) {
                svg.append("<polyline fill=\"none\" stroke=\"").append(p.colour()).append("\" stroke-width=\"")
                        .append(n(p.width())).append("\" points=\"");
                for (int i = 0; i < p.xs().length; i++) {
                    svg.append(i == 0 ? "" : " ").append(n(p.xs()[i])).append(',').append(n(p.ys()[i]));
                }
                svg.append("\"/>\n");
            } else if (shape instanceof Drawing.Dot dot) {
                svg.append("<circle cx=\"").append(n(dot.x())).append("\" cy=\"").append(n(dot.y()))
                        .append("\" r=\"").append(n(dot.radius())).append("\" fill=\"").append(dot.colour()).append("\"/>\n");
            } else if (shape instanceof Drawing.Label t) {
                svg.append("<text x=\"").append(n(t.x())).append("\" y=\"").append(n(t.y())).append("\" font-size=\"")
                        .append(n(t.size())).append("\" text-anchor=\"").append(t.anchor().name().toLowerCase(Locale.ROOT))
                        .append('"');
                if (t.bold()) {
                    svg.append(" font-weight=\"bold\"");
                }
                if (t.vertical()) {
                    svg.append(" transform=\"rotate(-90 ").append(n(t.x())).append(' ').append(n(t.y())).append(")\"");
                }
                svg.append('>').append(escape(t.text())).append("</text>\n");
            } else if (shape instanceof Drawing.Box b) {
                svg.append("<rect x=\"").append(n(b.x())).append("\" y=\"").append(n(b.y()))
                        .append("\" width=\"").append(n(b.width())).append("\" height=\"").append(n(b.height()))
                        .append("\" fill=\"").append(b.fill() == null ? "none" : b.fill()).append("\" stroke=\"")
                        .append(b.stroke() == null ? "none" : b.stroke()).append("\"/>\n");
            }
        }
        return svg.append("</svg>\n").toString();
    }

    /** A coordinate with at most two decimals. */
    private static String n(double value) {
        double rounded = Math.round(value * 100) / 100.0;
        return rounded == Math.rint(rounded) ? Long.toString((long) rounded) : Double.toString(rounded);
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }
}
