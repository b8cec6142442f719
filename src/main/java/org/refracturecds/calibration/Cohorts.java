package org.refracturecds.calibration;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CoderResult;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Clock;

import org.refracturecds.engine.RuleSet;

/** Reads a cohort file: FHIR JSON (a Bundle, a resource or NDJSON) when it starts with '{', else CSV. */
public final class Cohorts {

    private Cohorts() {
    }

    public static Cohort read(Path file, RuleSet rules, Clock clock) throws CohortException {
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(file);
        } catch (NoSuchFileException e) {
            throw new CohortException("PVP-C201", file.toString(), "cannot be read: no such file");
        } catch (AccessDeniedException e) {
            throw new CohortException("PVP-C201", file.toString(), "cannot be read: permission denied");
        } catch (IOException e) {
            throw new CohortException("PVP-C201", file.toString(), "cannot be read: " + e.getMessage());
        }
        return read(file.toString(), bytes, rules, clock);
    }

    /** @param name the file as the user named it, for messages */
    public static Cohort read(String name, byte[] bytes, RuleSet rules, Clock clock) throws CohortException {
        String text = utf8(name, bytes);
        if (text.stripLeading().startsWith("{")) {
            return CohortFhir.read(name, bytes, rules, clock);
        }
        return CohortCsv.read(name, text, rules);
    }

    /** The text without a byte order mark; a cohort that is not UTF-8 is refused with the row of the first bad byte. */
    private static String utf8(String name, byte[] bytes) throws CohortException {
        int skip = bytes.length >= 3 && (bytes[0] & 0xFF) == 0xEF && (bytes[1] & 0xFF) == 0xBB && (bytes[2] & 0xFF) == 0xBF ? 3 : 0;
        ByteBuffer in = ByteBuffer.wrap(bytes, skip, bytes.length - skip);
        CharBuffer out = CharBuffer.allocate(bytes.length);
        CoderResult result = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                .onUnmappableCharacter(CodingErrorAction.REPORT).decode(in, out, true);
        if (result.isError()) {
            int bad = in.position();
            int line = 1;
            for (int i = skip; i < bad; i++) {
                line += bytes[i] == '\n' ? 1 : 0;
            }
            throw new CohortException("PVP-C201", name + " row " + line, "byte 0x" + String.format("%02X", bytes[bad] & 0xFF)
                    + " is not UTF-8: save the spreadsheet as CSV UTF-8");
        }
        return out.flip().toString();
    }
}
