package org.refracturecds.http;

import java.io.Writer;

import com.github.mustachejava.DefaultMustacheFactory;

/**
 * The pages' templates, under {@code src/main/resources/web/}: Mustache's HTML escaping, and text
 * shown without its bidirectional controls ({@link BidiMarks}), so that a value from the input
 * cannot reorder what a page shows around it.
 */
public final class Templates extends DefaultMustacheFactory {

    public Templates() {
        super("web");
    }

    @Override
    public void encode(String value, Writer writer) {
        super.encode(BidiMarks.dropped(value), writer);
    }
}
