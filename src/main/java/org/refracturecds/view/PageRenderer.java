package org.refracturecds.view;

import java.io.IOException;
import java.io.InputStream;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import org.refracturecds.http.Templates;

import com.github.mustachejava.Mustache;

/**
 * Draws the surgeon's page from its {@link PageData}: one Mustache template
 * ({@code web/page.mustache}), the style sheet ({@code web/page.css}) inside it, the charts as SVG
 * inside it. The page is one self-contained document: it loads nothing, so it works the same
 * served, saved as a file for the notes, or printed.
 */
public final class PageRenderer {

    private final Mustache page;
    private final Mustache refused;
    private final String css;
    private final String cssHash;

    public PageRenderer() {
        Templates templates = new Templates();
        this.page = templates.compile("page.mustache");
        this.refused = templates.compile("refused.mustache");
        this.css = resource("web/page.css");
        this.cssHash = sha256(css);
    }

    /** The style sheet's hash for the Content-Security-Policy: the one inline style the pages may have. */
    String styleHash() {
        return "'sha256-" + cssHash + "'";
    }

    /** The page, as HTML. */
    public String render(PageData data) {
        List<LevelView> levels = new ArrayList<>();
        boolean preOperative = false;
        for (PageData.Level level : data.levels()) {
            preOperative |= "before PVP".equals(level.phase());
            levels.add(new LevelView(level.label(),
                    level.grids().stream().map(g -> new GridView(g.title(), g, Charts.grid(g, level.label()), marks(g))).toList(),
                    level.waterfalls().stream().map(w -> new WaterfallView(w, Charts.waterfall(w, level.label()))).toList(),
                    level.forests().stream().map(f -> new ForestView(f, Charts.forest(f, level.label()))).toList()));
        }
        StringWriter out = new StringWriter(64 * 1024);
        page.execute(out, new Scope(data, css, levels, preOperative, !data.checks().isEmpty(), !data.missing().isEmpty()));
        return out.toString();
    }

    /** The page that says why a link is refused: its code, what happened and what to do. */
    String refusal(String code, String message, String todo) {
        StringWriter out = new StringWriter(4096);
        refused.execute(out, new Refusal(code, message, todo, css));
        return out.toString();
    }

    /** "Favourable scenario: cement contacts both endplates, RR 5 pp: 19%" for each outlined cell. */
    private static List<String> marks(PageData.Grid grid) {
        List<String> marks = new ArrayList<>();
        for (PageData.GridRow row : grid.rows()) {
            for (int c = 0; c < row.cells().size(); c++) {
                PageData.Cell cell = row.cells().get(c);
                if (cell.mark() != null) {
                    marks.add(cell.mark() + ": " + row.label().toLowerCase(java.util.Locale.ROOT) + ", RR "
                            + grid.columns().get(c) + " pp: " + cell.text());
                }
            }
        }
        return marks;
    }

    public record Scope(PageData data, String css, List<LevelView> levels, boolean preOperative, boolean hasChecks,
                        boolean hasMissing) {
    }

    public record LevelView(String level, List<GridView> grids, List<WaterfallView> waterfalls, List<ForestView> forests) {
    }

    public record GridView(String title, PageData.Grid grid, String svg, List<String> marks) {
    }

    public record WaterfallView(PageData.Waterfall chart, String svg) {
    }

    public record ForestView(PageData.Forest chart, String svg) {
    }

    public record Refusal(String code, String message, String todo, String css) {
    }

    private static String resource(String name) {
        try (InputStream in = PageRenderer.class.getClassLoader().getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static String sha256(String text) {
        try {
            return Base64.getEncoder().encodeToString(MessageDigest.getInstance("SHA-256")
                    .digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every Java runtime has SHA-256", e);
        }
    }
}
