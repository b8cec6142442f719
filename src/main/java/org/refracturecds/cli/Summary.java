package org.refracturecds.cli;

import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

import org.refracturecds.fhirout.WriteBack;

/** What a population run did, counted as it goes, and said in a few lines at the end. */
final class Summary {

    private final long start = System.nanoTime();
    int listed;
    /** Whether the patients were named (--patient), not found by their findings. */
    boolean named;
    int doneBefore;
    int assessed;
    /** Patients skipped, by the code of why. */
    final Map<String, Integer> skipped = new TreeMap<>();
    final Map<WriteBack.Outcome, Integer> written = new EnumMap<>(WriteBack.Outcome.class);
    int writeFailed;
    /** How the patients were read, when not by searches ("$export"). */
    String readBy;

    void skipped(String code) {
        skipped.merge(code, 1, Integer::sum);
    }

    void written(WriteBack.Outcome outcome) {
        written.merge(outcome, 1, Integer::sum);
    }

    int skippedCount() {
        return skipped.values().stream().mapToInt(Integer::intValue).sum();
    }

    /**
     * @param writeBack whether the run wrote back
     * @param stopped   why the run stopped before the end, or null when it went through
     */
    String render(String base, boolean writeBack, String stopped) {
        long nanos = System.nanoTime() - start;
        int thisRun = assessed + skippedCount();
        StringBuilder text = new StringBuilder("Population run of " + base + (readBy == null ? "" : " (by " + readBy + ")")
                + ": " + listed + (named ? " patients named (--patient)" : " patients with findings")
                + (doneBefore > 0 ? ", " + doneBefore + " done before (--resume)" : "") + "; " + assessed + " assessed, "
                + skippedCount() + " skipped");
        if (!skipped.isEmpty()) {
            text.append(" (").append(skipped.entrySet().stream().map(e -> e.getKey() + ": " + e.getValue())
                    .collect(Collectors.joining(", "))).append(")");
        }
        text.append("\n");
        if (writeBack) {
            text.append("Written back (one RiskAssessment per level): ")
                    .append(written.getOrDefault(WriteBack.Outcome.CREATED, 0)).append(" created, ")
                    .append(written.getOrDefault(WriteBack.Outcome.UPDATED, 0)).append(" updated, ")
                    .append(written.getOrDefault(WriteBack.Outcome.UNCHANGED, 0)).append(" unchanged")
                    .append(writeFailed > 0 ? "; " + writeFailed + " patients not written (named above; --resume"
                            + " tries them again)" : "").append("\n");
        }
        double rate = thisRun / (nanos / 1e9);
        text.append("Time: ").append(seconds(nanos)).append(thisRun > 0 ? String.format(Locale.ROOT,
                rate >= 10 ? " (%.0f patients a second)" : " (%.2f patients a second)", rate) : "");
        if (stopped != null) {
            text.append("\nStopped: ").append(stopped).append("; run the same command with --resume to go on");
        }
        return text.toString();
    }

    static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f s", nanos / 1e9);
    }
}
