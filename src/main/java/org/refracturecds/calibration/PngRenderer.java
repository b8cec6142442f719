package org.refracturecds.calibration;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;

import javax.imageio.ImageIO;

/** A {@link Drawing} as a PNG, drawn with the JDK's Java2D and written by ImageIO (headless: no display needed). */
final class PngRenderer {

    /** Pixels per drawing unit: the PNG at twice the SVG's size, sharp when printed. */
    private static final int SCALE = 2;

    private PngRenderer() {
    }

    static byte[] render(Drawing d) throws IOException {
        BufferedImage image = new BufferedImage(d.width * SCALE, d.height * SCALE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setColor(Color.WHITE);
            g.fillRect(0, 0, image.getWidth(), image.getHeight());
            g.scale(SCALE, SCALE);
            for (Drawing.Shape shape : d.shapes) {
                draw(g, shape);
            }
        } finally {
            g.dispose();
        }
        ByteArrayOutputStream png = new ByteArrayOutputStream();
        ImageIO.write(image, "png", png);
        return png.toByteArray();
    }

    private static void draw(Graphics2D g, Drawing.Shape shape) {
        if (shape instanceof Drawing.Line l) {
            g.setColor(Color.decode(l.colour()));
            g.setStroke(l.dashed() ? new BasicStroke((float) l.width(), BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER,
                    10, new float[] {6, 4}, 0) : new BasicStroke((float) l.width()));
            g.draw(new Line2D.Double(l.x1(), l.y1(), l.x2(), l.y2()));
        } else if (shape instanceof Drawing.Polyline p) {
            Path2D.Double path = new Path2D.Double();
            for (int i = 0; i < p.xs().length; i++) {
                if (i == 0) {
                    path.moveTo(p.xs()[i], p.ys()[i]);
                } else {
                    path.lineTo(p.xs()[i], p.ys()[i]);
                }
            }
            g.setColor(Color.decode(p.colour()));
            g.setStroke(new BasicStroke((float) p.width(), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
            g.draw(path);
        } else if (shape instanceof Drawing.Dot dot) {
            g.setColor(Color.decode(dot.colour()));
            g.fill(new Ellipse2D.Double(dot.x() - dot.radius(), dot.y() - dot.radius(), 2 * dot.radius(), 2 * dot.radius()));
        } else if (shape instanceof Drawing.Label t) {
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, t.bold() ? Font.BOLD : Font.PLAIN, 1).deriveFont((float) t.size()));
            FontMetrics metrics = g.getFontMetrics();
            double width = metrics.getStringBounds(t.text(), g).getWidth();
            double shift = switch (t.anchor()) {
                case START -> 0;
                case MIDDLE -> -width / 2;
                case END -> -width;
            };
            AffineTransform saved = g.getTransform();
            g.translate(t.x(), t.y());
            if (t.vertical()) {
                g.rotate(-Math.PI / 2);
            }
            g.drawString(t.text(), (float) shift, 0f);
            g.setTransform(saved);
        } else if (shape instanceof Drawing.Box b) {
            Rectangle2D.Double rect = new Rectangle2D.Double(b.x(), b.y(), b.width(), b.height());
            if (b.fill() != null) {
                g.setColor(Color.decode(b.fill()));
                g.fill(rect);
            }
            if (b.stroke() != null) {
                g.setColor(Color.decode(b.stroke()));
                g.setStroke(new BasicStroke(1));
                g.draw(rect);
            }
        }
    }
}
