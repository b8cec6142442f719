package org.refracturecds.facts;

/**
 * An Observation of a finding the module reads that could not be used (a unit it does not accept,
 * a value that cannot be, a bodySite it does not know...). The rules say what leaving it out
 * changes: a factor of the model then counts as not reported.
 *
 * @param finding the finding code the Observation carried ("reduction-rate")
 * @param level   the vertebra its bodySite names ("T12"), or null when it names none the module knows
 * @param where   the Observation, e.g. "Observation/rr-1"
 * @param reason  why it was left out, with its stable code: "[PVP-E104] valueQuantity.code: unit 'mm' ..."
 */
public record LeftOut(String finding, String level, String where, String reason) {

    public String getFinding() { return finding; }
    public String getLevel() { return level; }
    public String getWhere() { return where; }
    public String getReason() { return reason; }
}
