package org.refracturecds.calibration;

import java.util.ArrayList;
import java.util.List;

/**
 * A drawing as a list of shapes in pixels (y downwards), so that the SVG and the PNG of the
 * calibration plot are one drawing rendered twice ({@link SvgRenderer}, {@link PngRenderer}).
 */
final class Drawing {

    enum Anchor { START, MIDDLE, END }

    sealed interface Shape permits Line, Polyline, Dot, Label, Box {
    }

    record Line(double x1, double y1, double x2, double y2, String colour, double width, boolean dashed) implements Shape {
    }

    record Polyline(double[] xs, double[] ys, String colour, double width) implements Shape {
    }

    record Dot(double x, double y, double radius, String colour) implements Shape {
    }

    /** Text with its baseline at y; {@code vertical} turns it to read upwards. */
    record Label(double x, double y, String text, double size, Anchor anchor, boolean bold, boolean vertical)
            implements Shape {
    }

    /** A rectangle's outline, or filled when {@code fill} is not null. */
    record Box(double x, double y, double width, double height, String stroke, String fill) implements Shape {
    }

    final int width;
    final int height;
    final String title;
    final List<Shape> shapes = new ArrayList<>();

    Drawing(int width, int height, String title) {
        this.width = width;
        this.height = height;
        this.title = title;
    }

    Drawing add(Shape shape) {
        shapes.add(shape);
        return this;
    }
}
