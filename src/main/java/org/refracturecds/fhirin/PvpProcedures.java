package org.refracturecds.fhirin;

import java.util.ArrayList;
import java.util.List;

import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Procedure;
import org.refracturecds.facts.Notice;

/**
 * Which Procedures are vertebroplasties (the codes of docs/CODES.md and the deployment's own,
 * setting {@code extraPvpCodes}), and which of them count as done: any status but
 * {@code preparation} (not begun), {@code not-done} and {@code entered-in-error}; one stopped, on hold
 * or of unknown status may have put cement in.
 */
public final class PvpProcedures {

    private static final List<String> NOT_DONE = List.of("entered-in-error", "not-done", "preparation");
    /** docs/CODES.md's codes alone, where no settings are read (a file given to {@code assess}). */
    public static final PvpProcedures STANDARD = new PvpProcedures(List.of());

    private final List<String> codes;

    /** @param extraCodes local "system|code" codes of a vertebroplasty, besides docs/CODES.md's */
    public PvpProcedures(List<String> extraCodes) {
        List<String> all = new ArrayList<>(Codes.PVP_PROCEDURES);
        all.addAll(extraCodes);
        this.codes = List.copyOf(all);
    }

    /** Every code, "system|code", for a FHIR search. */
    public List<String> codes() {
        return codes;
    }

    public boolean isPvp(CodeableConcept concept) {
        return concept.getCoding().stream().anyMatch(c -> codes.contains(c.getSystem() + "|" + c.getCode()));
    }

    /** A vertebroplasty on record that was done (or is being done). */
    public boolean isDone(Procedure procedure) {
        return procedure.hasStatus() && !NOT_DONE.contains(procedure.getStatus().toCode()) && isPvp(procedure.getCode());
    }

    /**
     * What an assessment says when the PVPs on record could not be read ({@code PVP-W121}).
     *
     * @param whose "Patient/p1's PVPs on record (Procedure)"
     * @param why   how they could not be read, as it follows "could not be read"
     */
    public static Notice notRead(String whose, String why) {
        return Notice.warning("PVP-W121", "fhirServer", whose + " could not be read" + why + ". A vertebra a PVP treated"
                + " whose post-operative findings are not on record is assessed as before PVP, its band the favourable"
                + " technique's");
    }

    /** "Procedure/p1 (2025-03-04)" */
    public static String named(Procedure procedure) {
        String when = procedure.hasPerformedDateTimeType() ? " (" + procedure.getPerformedDateTimeType().getValueAsString() + ")"
                : procedure.hasPerformedPeriod() && procedure.getPerformedPeriod().hasStart()
                ? " (" + procedure.getPerformedPeriod().getStartElement().getValueAsString() + ")" : "";
        return "Procedure/" + procedure.getIdElement().getIdPart() + when;
    }
}
