package org.refracturecds.fhirin;

import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonPointer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;

/**
 * JSON read as the input's author meant it, or refused: UTF-8 only (RFC 8259), each key once in
 * an object, at most {@value #MAX_DEPTH} levels deep, and nothing after the document but white
 * space. Jackson on its own reads the first document and ignores what follows, keeps the last of
 * two equal keys, and guesses UTF-16 from the bytes; each of these would use something else than
 * what was sent. Both faces read through here: the CLI (NDJSON allowed) and the HTTP body (one
 * document).
 */
public final class StrictJson {

    /** Far deeper than any FHIR resource or CDS Hooks request; deep enough to stop a stack overflow. */
    public static final int MAX_DEPTH = 100;

    private static final JsonFactory FACTORY = JsonFactory.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build())
            .build();
    /** Decimals kept as sent (12.50 stays 12.50, FHIR's precision), never rounded through a double. */
    private static final ObjectMapper STRICT = new ObjectMapper(FACTORY)
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .configure(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES, false);
    /** Only to say where a duplicate key is, once the strict read has refused the input. */
    private static final ObjectMapper LAST_KEY_WINS = new ObjectMapper(JsonFactory.builder()
            .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DEPTH).build()).build());

    /** What is wrong with the JSON; each face gives each kind its own stable code. */
    public enum Kind { NOT_UTF8, EMPTY, MALFORMED, TRAILING, NOT_NDJSON, DUPLICATE_KEY, TOO_DEEP }

    /**
     * JSON that cannot be read as sent.
     *
     * @param where "line 3, column 7", "line 46", or for a duplicate key its path with the
     *              resources on the way named: {@code entry[1].resource (Observation/ivc-1).valueBoolean},
     *              and {@code Bundle.entry[1]...} when the document is a FHIR resource
     */
    public static final class Problem extends Exception {
        private final Kind kind;
        private final String where;

        Problem(Kind kind, String where, String message) {
            super(message, null, false, false);
            this.kind = kind;
            this.where = where;
        }

        public Kind kind() { return kind; }
        public String where() { return where; }
    }

    /** One document of an input: its tree and the line it starts on. */
    record Document(JsonNode node, int line) {
    }

    private StrictJson() {
    }

    /** A UTF-8 decoder that refuses a byte that is not UTF-8, where Java's own decoding puts U+FFFD in its place. */
    private static CharsetDecoder strictUtf8() {
        return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT);
    }

    /** The text of UTF-8 bytes (a leading byte order mark dropped), or NOT_UTF8 at the first byte that is not. */
    public static String utf8(byte[] bytes) throws Problem {
        // Decoded at once: a byte that is not UTF-8 becomes U+FFFD, so without one the bytes were UTF-8.
        // With one (sent as such, or in place of a bad byte) the decoder says which, and where.
        String text = new String(bytes, StandardCharsets.UTF_8);
        ByteBuffer in = ByteBuffer.wrap(bytes);
        try {
            if (text.indexOf('\uFFFD') >= 0) {
                strictUtf8().decode(in);
            }
            return text.startsWith("\uFEFF") ? text.substring(1) : text;
        } catch (MalformedInputException e) {
            int offset = in.position();
            int line = 1;
            for (int i = 0; i < offset; i++) {
                if (bytes[i] == '\n') {
                    line++;
                }
            }
            throw new Problem(Kind.NOT_UTF8, "line " + line, String.format("byte 0x%02X (offset %d) is not UTF-8",
                    bytes[offset] & 0xFF, offset));
        } catch (CharacterCodingException e) {
            throw new Problem(Kind.NOT_UTF8, "the input", "is not UTF-8");
        }
    }

    /** The one JSON document of {@code text}; a second one, or anything else after it, is TRAILING. */
    public static JsonNode one(String text) throws Problem {
        return read(text, true).get(0).node();
    }

    /**
     * The documents of {@code text}: one, which may spread over many lines, or several as NDJSON,
     * each on a line of its own; several any other way are NOT_NDJSON.
     */
    static List<Document> documents(String text) throws Problem {
        return read(text, false);
    }

    /**
     * A line of the input that is not blank: where it is in the input's text (a trailing carriage
     * return kept), its number, and, for the first line, its tree, already read to know the input is
     * NDJSON. The input's text is held once, not again line by line.
     */
    record Line(Text input, int start, int end, int number, JsonNode tree) {

        /** Its one JSON document. */
        JsonNode read() throws Problem {
            return tree != null ? tree : input.document(start, end);
        }

        /** The same line, its tree not kept. */
        Line withoutTree() {
            return tree == null ? this : new Line(input, start, end, number, null);
        }

        @Override
        public String toString() {
            return "line " + number; // not the whole input it is a place in
        }
    }

    /**
     * An input's text as {@link #ndjsonLines} splits it: characters, or UTF-8 bytes, in which the line
     * breaks and JSON's white space are the same (bytes below 0x80 are never part of another character).
     */
    interface Text {
        int length();

        /** The character, or the byte, at {@code i}. */
        int at(int i);

        /** Where the next {@code c} is from {@code from}, or -1. */
        int indexOf(int c, int from);

        /** The one JSON document from {@code start} to {@code end}. */
        JsonNode document(int start, int end) throws Problem;
    }

    private record Characters(String text) implements Text {
        public int length() { return text.length(); }
        public int at(int i) { return text.charAt(i); }
        public int indexOf(int c, int from) { return text.indexOf(c, from); }

        public JsonNode document(int start, int end) throws Problem {
            return one(text.substring(start, end));
        }
    }

    /**
     * A file's bytes, read without making them a text of their own first: a large file's text took
     * as long again as reading it, on one core. A line of plain ASCII (no byte over 0x7F, no control
     * character but tab and carriage return) is read from the bytes; any other line is decoded as
     * UTF-8, refusing a byte that is not, and read as text. Either read gives the same tree; when the
     * bytes' read fails the text's says why, as for a text. Plain ASCII only, because Jackson's byte
     * reader guesses the encoding from the first bytes: it reads {@code {\0"\0...} as UTF-16, and
     * skips a UTF-8 byte order mark at a line's start, which JSON read as text refuses (only the
     * file's first bytes may be one).
     */
    private record Utf8(byte[] bytes) implements Text {
        public int length() { return bytes.length; }
        public int at(int i) { return bytes[i]; }

        public int indexOf(int c, int from) {
            for (int i = from; i < bytes.length; i++) {
                if (bytes[i] == c) {
                    return i;
                }
            }
            return -1;
        }

        public JsonNode document(int start, int end) throws Problem {
            if (plainAscii(start, end)) {
                try (JsonParser parser = FACTORY.createParser(bytes, start, end - start)) {
                    JsonNode node = STRICT.readTree(parser);
                    if (node != null && parser.nextToken() == null) {
                        return node;
                    }
                } catch (java.io.IOException | NumberFormatException notOneDocument) {
                    // read as text below, which says why
                }
            }
            try {
                return one(strictUtf8().decode(ByteBuffer.wrap(bytes, start, end - start)).toString());
            } catch (CharacterCodingException e) {
                // Said without where: every line is read once before any is assessed (PatientLines), and
                // one that fails sends the file to the text's read (utf8), which names the byte.
                throw new Problem(Kind.NOT_UTF8, null, "is not UTF-8");
            }
        }

        private boolean plainAscii(int start, int end) {
            for (int i = start; i < end; i++) {
                byte b = bytes[i];
                if (b < 0x20 && b != '\t' && b != '\r') { // a byte of 0x80 or more is negative
                    return false;
                }
            }
            return true;
        }
    }

    /**
     * The lines of {@code text} that are not blank, when it looks like NDJSON, so that each line can
     * be read on its own ({@link #one}) on any core: its first such line is one whole document. Null
     * otherwise: one document over many lines, nothing at all, or a carriage return that does not end
     * a line (JSON counts it as a line break, so the numbers would differ from {@link #documents}).
     * A line that then fails to read on its own is no proof of anything: the caller reads the whole
     * text with {@link #documents}, which names the first problem in order.
     */
    static List<Line> ndjsonLines(String text) {
        return ndjsonLines(new Characters(text), 0);
    }

    /**
     * The same of a file's bytes ({@link Utf8}), a leading byte order mark left out. A line that is
     * not UTF-8 fails to read on its own, as a line that is not JSON does: the caller then reads the
     * text ({@link #utf8}), which names the byte.
     */
    static List<Line> ndjsonLines(byte[] utf8) {
        boolean byteOrderMark = utf8.length >= 3 && utf8[0] == (byte) 0xEF && utf8[1] == (byte) 0xBB
                && utf8[2] == (byte) 0xBF;
        return ndjsonLines(new Utf8(utf8), byteOrderMark ? 3 : 0);
    }

    private static List<Line> ndjsonLines(Text text, int from) {
        List<Line> lines = new ArrayList<>();
        int number = 1;
        int carriageReturn = text.indexOf('\r', from); // the next one; a large file has none, or one at each line's end
        for (int start = from; start < text.length(); number++) {
            int end = text.indexOf('\n', start);
            end = end < 0 ? text.length() : end;
            for (; carriageReturn >= 0 && carriageReturn < end; carriageReturn = text.indexOf('\r', carriageReturn + 1)) {
                if (carriageReturn != end - 1) {
                    return null;
                }
            }
            // JSON's white space (RFC 8259): space, tab, line feed, carriage return
            int first = start;
            while (first < end && (text.at(first) == ' ' || text.at(first) == '\t' || text.at(first) == '\r')) {
                first++;
            }
            if (first < end) {
                JsonNode tree = null;
                if (lines.isEmpty()) {
                    tree = wholeDocument(text, start, end);
                    if (tree == null) {
                        return null; // known before the rest of a large document is split
                    }
                }
                lines.add(new Line(text, start, end, number, tree));
            }
            start = end + 1;
        }
        return lines.isEmpty() ? null : lines;
    }

    /** The one document of a line, or null when it holds less or more. */
    private static JsonNode wholeDocument(Text text, int start, int end) {
        try {
            return text.document(start, end);
        } catch (Problem notAWholeDocument) {
            return null;
        }
    }

    private static List<Document> read(String text, boolean single) throws Problem {
        if (text.isBlank()) {
            throw new Problem(Kind.EMPTY, null, "is empty");
        }
        List<Document> documents = new ArrayList<>();
        JsonLocation lastEnd = null;
        try (JsonParser parser = FACTORY.createParser(text)) {
            while (true) {
                JsonToken first;
                try {
                    first = parser.nextToken();
                } catch (JsonProcessingException e) {
                    // A line that is no JSON after two or more documents of a line each (NDJSON) is malformed, not
                    // content after the end.
                    if (lastEnd == null || !single && documents.size() >= 2
                            && documents.get(documents.size() - 1).line() == lastEnd.getLineNr()
                            && location(e, parser).getLineNr() > lastEnd.getLineNr()) {
                        throw malformed(e, parser, text);
                    }
                    throw new Problem(Kind.TRAILING, firstAfter(text, lastEnd), "unexpected content after the end of the JSON "
                            + (single ? "request" : "document") + ", which ends at " + at(lastEnd));
                }
                if (first == null) {
                    break;
                }
                JsonLocation start = parser.currentTokenLocation();
                if (single && lastEnd != null) {
                    throw new Problem(Kind.TRAILING, at(start), "a second JSON document starts here, after the request,"
                            + " which ends at " + at(lastEnd));
                }
                JsonNode node;
                try {
                    node = STRICT.readTree(parser);
                } catch (JsonProcessingException e) {
                    throw malformed(e, parser, text.substring((int) start.getCharOffset()));
                } catch (NumberFormatException e) {
                    throw new Problem(Kind.MALFORMED, at(parser.currentTokenLocation()), "a number that no JSON"
                            + " reader can hold (its exponent is too large)");
                }
                JsonLocation end = parser.currentTokenLocation();
                documents.add(new Document(node, start.getLineNr()));
                if (!single) {
                    checkNdjson(documents, start, end, lastEnd);
                }
                lastEnd = end;
            }
        } catch (java.io.IOException e) {
            throw new Problem(Kind.MALFORMED, null, "cannot be read");
        }
        return documents;
    }

    /** Several documents are NDJSON only when each is on a line of its own. */
    private static void checkNdjson(List<Document> documents, JsonLocation start, JsonLocation end, JsonLocation lastEnd)
            throws Problem {
        if (documents.size() < 2) {
            return;
        }
        String notNdjson = "; that is not NDJSON, which has each resource on a line of its own";
        if (lastEnd.getLineNr() == start.getLineNr()) {
            throw new Problem(Kind.NOT_NDJSON, at(start), "a second JSON document starts on the line where the one"
                    + " before it ends" + notNdjson);
        }
        int previousStart = documents.get(documents.size() - 2).line();
        if (previousStart != lastEnd.getLineNr()) {
            throw new Problem(Kind.NOT_NDJSON, at(start), "a second JSON document follows one spread over lines "
                    + previousStart + "-" + lastEnd.getLineNr() + notNdjson);
        }
        if (start.getLineNr() != end.getLineNr()) {
            throw new Problem(Kind.NOT_NDJSON, at(start), "a JSON document spread over lines " + start.getLineNr()
                    + "-" + end.getLineNr() + " follows another" + notNdjson);
        }
    }

    /** @param document the text from where the document being read starts */
    private static Problem malformed(JsonProcessingException e, JsonParser parser, String document) {
        JsonLocation at = location(e, parser);
        String message = String.valueOf(e.getOriginalMessage());
        if (e instanceof StreamConstraintsException && message.contains("nesting depth")) {
            // Thrown just after the bracket that goes too deep was read: point at the bracket.
            return new Problem(Kind.TOO_DEEP, "line " + at.getLineNr() + ", column " + Math.max(1, at.getColumnNr() - 1),
                    "the JSON is nested more than " + MAX_DEPTH + " levels deep, far deeper than FHIR resources go");
        }
        if (message.startsWith("Duplicate field '")) {
            String key = message.substring("Duplicate field '".length(), message.lastIndexOf('\''));
            JsonPointer pointer = parser.getParsingContext().pathAsPointer();
            return new Problem(Kind.DUPLICATE_KEY, path(document, pointer), "the key \"" + key + "\" appears twice in one"
                    + " JSON object (again on line " + at.getLineNr() + ")");
        }
        return new Problem(Kind.MALFORMED, at(at), "malformed JSON: " + plain(message) + hint(message, at));
    }

    /** What Jackson's words most often mean in a file: a line cut short, or a line left unclosed. */
    private static String hint(String message, JsonLocation at) {
        if (message.contains("(CTRL-CHAR, code 10)") || message.contains("(CTRL-CHAR, code 13)")) {
            return "; the line ends inside a string: it was cut short, or a line break in a text is not written as \\n";
        }
        if (at.getColumnNr() == 1 && message.contains("was expecting comma") && at.getLineNr() > 1) {
            return "; line " + (at.getLineNr() - 1) + " may end before its object or array is closed";
        }
        return "";
    }

    private static JsonLocation location(JsonProcessingException e, JsonParser parser) {
        return e.getLocation() != null ? e.getLocation() : parser.currentLocation();
    }

    /**
     * Where the first character after {@code end} that is not white space is: the parser's own
     * location is after a word it read (column 4 for {@code xyz}), not at its start.
     */
    private static String firstAfter(String text, JsonLocation end) {
        int line = end.getLineNr();
        int column = end.getColumnNr() + 1;
        for (int i = (int) end.getCharOffset() + 1; i < text.length() && " \t\n\r".indexOf(text.charAt(i)) >= 0; i++) {
            boolean newLine = text.charAt(i) == '\n' || text.charAt(i) == '\r'
                    && (i + 1 == text.length() || text.charAt(i + 1) != '\n');
            line += newLine ? 1 : 0;
            column = newLine ? 1 : column + 1;
        }
        return "line " + line + ", column " + column;
    }

    private static String at(JsonLocation location) {
        return "line " + location.getLineNr() + ", column " + location.getColumnNr();
    }

    /** Jackson's message without the excerpt of its source and its hints at Java API ("enable `JsonReadFeature...`"). */
    private static String plain(String message) {
        String plain = message.replaceAll("\\s*\\(for (root|Object|Array) starting at \\[Source:.*?\\]\\)", "")
                .replaceAll("\\s+", " ");
        int api = plain.indexOf('`');
        if (api >= 0) {
            int cut = Math.max(plain.lastIndexOf(':', api), plain.lastIndexOf('(', api));
            plain = plain.substring(0, cut > 0 ? cut : api);
        }
        return plain.strip();
    }

    /**
     * A JSON pointer as a path a reader can follow: {@code prefetch.findings.entry[0].resource
     * (Observation/cleft-ivc).valueBoolean}; a document that is a resource starts with its type.
     * The text is read again, letting the last of two keys win, to find the resources on the way.
     */
    private static String path(String text, JsonPointer pointer) {
        JsonNode node;
        try {
            node = LAST_KEY_WINS.readTree(text);
        } catch (JsonProcessingException e) {
            node = null;
        }
        StringBuilder path = new StringBuilder();
        if (node != null && node.path("resourceType").isTextual()) {
            path.append(node.path("resourceType").asText()).append(FhirJsonCheck.identity(node));
        }
        for (JsonPointer at = pointer; !at.matches(); at = at.tail()) {
            String step = at.getMatchingProperty();
            if (node != null && node.isArray()) {
                path.append('[').append(step).append(']');
                node = node.path(at.getMatchingIndex());
            } else {
                path.append(path.isEmpty() ? "" : ".").append(step);
                node = node == null ? null : node.path(step);
            }
            if (node != null && !at.tail().matches()) {
                path.append(FhirJsonCheck.identity(node));
            }
        }
        return path.toString();
    }
}
