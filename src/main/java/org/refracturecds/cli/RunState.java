package org.refracturecds.cli;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import org.refracturecds.fhirin.InputException;

/**
 * The state of a population run in a file, so that a run stopped part way (Ctrl-C, a server that
 * went away) continues with {@code --resume} where it stopped: a first line naming the run (server
 * and selection), then one line per patient done, {@code ID<TAB>assessed} or
 * {@code ID<TAB>skipped CODE}, written after the patient's RiskAssessment is printed and written
 * back. A patient is never done twice; a line cut short by a hard stop is ignored and dropped. With
 * write-back, {@code ID<TAB>printed} comes first: a patient printed whose write-back then failed is
 * not done, and a resumed run writes it back without printing it again.
 */
final class RunState implements AutoCloseable {

    private static final String HEADER = "# pvp-refracture-cds population run: ";

    /** The outcome of a patient printed, not yet written back. */
    static final String PRINTED = "printed";

    private final Path file;
    private final Set<String> done;
    private final Set<String> printed;
    private final Writer out;

    private RunState(Path file, Set<String> done, Set<String> printed, Writer out) {
        this.file = file;
        this.done = done;
        this.printed = printed;
        this.out = out;
    }

    /** A new run in {@code file}, replacing any earlier one. */
    static RunState start(Path file, String run) throws InputException {
        try {
            Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8);
            out.write(HEADER + run + "\n");
            out.flush();
            return new RunState(file, new HashSet<>(), new HashSet<>(), out);
        } catch (IOException e) {
            throw new InputException("PVP-C305", "--state " + file, "cannot be written: " + Cli.reason(e));
        }
    }

    /** The run in {@code file}, to go on with; refused when the file is of another run. */
    static RunState resume(Path file, String run) throws InputException {
        try {
            String text = Files.readString(file, StandardCharsets.UTF_8);
            int complete = text.lastIndexOf('\n') + 1;
            List<String> lines = text.substring(0, complete).lines().toList();
            if (lines.isEmpty() || !lines.get(0).equals(HEADER + run)) {
                throw new InputException("PVP-C305", "--state " + file, "is the state of another run ("
                        + (lines.isEmpty() ? "empty" : lines.get(0).replace(HEADER, "")) + "), not of " + run
                        + ": give the same server and selection as that run, or another --state file, or leave out"
                        + " --resume to start afresh");
            }
            Set<String> done = new HashSet<>();
            Set<String> printed = new HashSet<>();
            for (String line : lines.subList(1, lines.size())) {
                int tab = line.indexOf('\t');
                if (tab > 0) {
                    (line.substring(tab + 1).equals(PRINTED) ? printed : done).add(line.substring(0, tab));
                }
            }
            try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
                channel.truncate(complete); // a line cut short by a hard stop
            }
            Writer out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.APPEND);
            return new RunState(file, done, printed, out);
        } catch (NoSuchFileException e) {
            throw new InputException("PVP-C305", "--state " + file, "does not exist, so there is no run to resume:"
                    + " leave out --resume to start one");
        } catch (IOException e) {
            throw new InputException("PVP-C305", "--state " + file, "cannot be read: " + Cli.reason(e));
        }
    }

    boolean done(String patientId) {
        return done.contains(patientId);
    }

    /** Whether an earlier run printed the patient's RiskAssessment, then did not write it back. */
    boolean printed(String patientId) {
        return printed.contains(patientId);
    }

    int doneBefore() {
        return done.size();
    }

    /** Records a patient as done ({@code outcome} "assessed" or "skipped CODE"), or as {@link #PRINTED}. */
    void record(String patientId, String outcome) throws InputException {
        try {
            out.write(patientId + "\t" + outcome + "\n");
            out.flush();
        } catch (IOException e) {
            throw new InputException("PVP-C305", "--state " + file, "cannot be written: " + Cli.reason(e));
        }
    }

    @Override
    public void close() throws IOException {
        out.close();
    }
}
